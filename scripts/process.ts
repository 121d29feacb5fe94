/**
 * Runs one PetPro process by name — the container entry point: `node --import tsx scripts/process.ts auth`.
 * Unlike `npm start -- auth` it starts no embedded database and no children: configuration comes
 * from the environment (DATABASE_URL, SERVICE_SECRET, REDIS_URL, …).
 */
const NAMES = ['gateway', 'auth', 'user', 'clinic', 'booking'];
const name = process.argv[2] ?? process.env.PETPRO_PROCESS;
if (!name || !NAMES.includes(name)) {
  process.stderr.write(`Usage: scripts/process.ts <${NAMES.join('|')}> (got ${JSON.stringify(name)})\n`);
  process.exit(2);
}
await import(`../services/${name}/src/main.ts`);
