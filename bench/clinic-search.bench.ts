/**
 * Clinic search benchmark: 100,000 published clinics (300,000 services) in 20 Indonesian cities,
 * seeded into a fresh database on an embedded PostgreSQL, then the search the public endpoint runs
 * (SearchService → SearchRepository, the real SQL) timed for each kind of query, with its plan's
 * index use. Seeding is deterministic (setseed) so runs compare. Target: every query well under 50 ms.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { createDatabase, createStore, migrate } from '@petpro/kit';
import { startEmbeddedPostgres } from '@petpro/kit/embedded-db';
import { createTestDatabase } from '@petpro/kit/testing';
import { definition } from '../services/clinic/src/app.ts';
import type { DB } from '../services/clinic/src/db.ts';
import { ClinicsRepository } from '../services/clinic/src/clinics/clinics.repository.ts';
import { repositoriesOver } from '../services/clinic/src/store.ts';
import { SearchService, type SearchInput } from '../services/clinic/src/search/search.service.ts';

const CLINICS = 100_000;
const WARMUP = 3;
const RUNS = 25;

const CITIES: Array<[string, number, number]> = [
  ['Jakarta', -6.2, 106.82],
  ['Surabaya', -7.25, 112.75],
  ['Bandung', -6.91, 107.61],
  ['Medan', 3.59, 98.67],
  ['Semarang', -6.97, 110.42],
  ['Makassar', -5.14, 119.42],
  ['Palembang', -2.98, 104.76],
  ['Tangerang', -6.18, 106.63],
  ['Depok', -6.4, 106.82],
  ['Bekasi', -6.24, 106.99],
  ['Denpasar', -8.65, 115.22],
  ['Yogyakarta', -7.8, 110.36],
  ['Malang', -7.98, 112.63],
  ['Bogor', -6.6, 106.8],
  ['Pekanbaru', 0.51, 101.45],
  ['Balikpapan', -1.24, 116.85],
  ['Manado', 1.47, 124.84],
  ['Padang', -0.95, 100.35],
  ['Pontianak', -0.03, 109.33],
  ['Jayapura', -2.53, 140.72],
];

/** Inserts the deterministic 100k-clinic data set (call inside one transaction for repeatable draws). */
export async function seed(db: Kysely<DB>): Promise<void> {
  const cities = sql.join(
    CITIES.map(([name, lat, lng], i) => sql`(${i}::int, ${name}::text, ${lat}::float8, ${lng}::float8)`),
  );
  await sql`select setseed(0.42)`.execute(db);
  // Jakarta and its neighbours get more clinics, as in life: city index from a skewed draw.
  await sql`
    with city(i, name, lat, lng) as (values ${cities}),
    draw as (select g, floor(power(random(), 2) * ${CITIES.length})::int as ci,
                    random() as r1, random() as r2, random() as r3, random() as r4
             from generate_series(1, ${CLINICS}) g)
    insert into clinics (id, owner_user_id, name, description, phone, email, address, city, province, lat, lng,
                         time_zone, published, opening_hours, created_at, updated_at)
    select gen_random_uuid(), gen_random_uuid(),
      (array['Klinik Hewan', 'Pet Care', 'Rumah Sakit Hewan', 'Petshop', 'Vet Center', 'Grooming House'])
        [1 + floor(d.r1 * 6)::int] || ' ' ||
      (array['Sehat', 'Ceria', 'Bahagia', 'Sentosa', 'Mandiri', 'Harapan', 'Kasih', 'Setia', 'Prima', 'Utama',
             'Sejahtera', 'Makmur'])[1 + floor(d.r2 * 12)::int] || ' ' || d.g,
      (array['Melayani anjing dan kucing', 'Dokter hewan berpengalaman', 'Buka setiap hari', 'Spesialis hewan eksotis',
             'Perawatan gigi dan bulu'])[1 + floor(d.r3 * 5)::int],
      '+62 21 555 ' || d.g, 'klinik' || d.g || '@example.test', 'Jl. Contoh No. ' || d.g, c.name, 'Provinsi',
      -- Up to about 0.2 degrees (about 22 km) around the city centre.
      c.lat + (d.r3 - 0.5) * 0.4, c.lng + (d.r4 - 0.5) * 0.4,
      'Asia/Jakarta', d.g % 20 <> 0,
      '{"weekly": [{"weekday": 1, "ranges": [{"start": "08:00", "end": "20:00"}]},
                   {"weekday": 2, "ranges": [{"start": "08:00", "end": "20:00"}]},
                   {"weekday": 3, "ranges": [{"start": "08:00", "end": "20:00"}]},
                   {"weekday": 4, "ranges": [{"start": "08:00", "end": "20:00"}]},
                   {"weekday": 5, "ranges": [{"start": "08:00", "end": "20:00"}]},
                   {"weekday": 6, "ranges": [{"start": "09:00", "end": "15:00"}]}], "closures": []}',
      now(), now()
    from draw d join city c on c.i = d.ci`.execute(db);
  await sql`
    with svc(k, name, category, species) as (values
      (0, 'Konsultasi Dokter Hewan', 'consultation', array['dog', 'cat']),
      (1, 'Vaksinasi Rabies', 'vaccination', array['dog', 'cat']),
      (2, 'Grooming Kucing', 'grooming', array['cat']), (3, 'Mandi Anjing', 'grooming', array['dog']),
      (4, 'Scaling Gigi', 'dental', array['dog', 'cat']),
      (5, 'Sterilisasi', 'surgery', array['cat', 'dog', 'rabbit']),
      (6, 'Cek Darah Lengkap', 'lab', array['dog', 'cat', 'bird']),
      (7, 'Penitipan Hewan', 'boarding', array['dog', 'cat', 'rabbit']),
      (8, 'Konsultasi Hewan Eksotis', 'consultation', array['reptile', 'bird', 'rabbit']),
      (9, 'Potong Kuku', 'grooming', array['rabbit', 'cat']))
    insert into clinic_services (id, clinic_id, name, category, price_amount, duration_minutes, species,
                                 created_at, updated_at)
    select gen_random_uuid(), c.id, s.name, s.category, 10000000 + (random() * 50000000)::int, 30, s.species,
           now(), now()
    from clinics c cross join generate_series(0, 2) j
    join svc s on s.k = (abs(hashtext(c.name || j)) % 10)`.execute(db);
}

function stats(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

/** Seeds 100k clinics on a fresh embedded PostgreSQL and prints the time of each kind of search. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'petpro-bench-clinic-'));
  const pg = await startEmbeddedPostgres({ dir });
  try {
    const url = await createTestDatabase(pg.url, 'clinicbench');
    const database = createDatabase<DB>(url, { max: 4 });
    try {
      await migrate(database.db as Kysely<unknown>, definition.migrationsDir);
      let t0 = performance.now();
      // One transaction = one session, so setseed() makes every random() draw repeatable.
      await database.db.transaction().execute((trx) => seed(trx));
      const clinics = new ClinicsRepository(database.db);
      await clinics.refreshAllDerived();
      await sql`vacuum analyze clinics`.execute(database.db);
      await sql`vacuum analyze clinic_services`.execute(database.db);
      const counts = await sql<{
        clinics: string;
        published: string;
        services: string;
      }>`select (select count(*) from clinics) as clinics,
                (select count(*) from clinics where published) as published,
                (select count(*) from clinic_services) as services`.execute(database.db);
      const c = counts.rows[0]!;
      console.log(
        `seeded ${c.clinics} clinics (${c.published} published), ${c.services} services ` +
          `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );

      const service = new SearchService({ store: createStore(database.db, repositoriesOver) });
      const base = { radiusKm: 25, limit: 20 };
      const cases: Array<[string, SearchInput]> = [
        ['browse all (by name)', { ...base }],
        ['city=Jakarta', { ...base, city: 'Jakarta' }],
        ['city=Jayapura', { ...base, city: 'Jayapura' }],
        ['q=klinik (very common)', { ...base, q: 'klinik' }],
        ['q=sentosa 77 (rare)', { ...base, q: 'sentosa 77' }],
        ['q=grooming kucing (service names)', { ...base, q: 'grooming kucing' }],
        ['q=eksotis city=Bandung', { ...base, q: 'eksotis', city: 'Bandung' }],
        ['category=dental', { ...base, category: 'dental' }],
        ['species=reptile city=Medan', { ...base, species: 'reptile', city: 'Medan' }],
        ['near Monas 2 km', { ...base, near: { lat: -6.1754, lng: 106.8272 }, radiusKm: 2 }],
        ['near Monas 10 km', { ...base, near: { lat: -6.1754, lng: 106.8272 }, radiusKm: 10 }],
        ['near Monas 25 km', { ...base, near: { lat: -6.1754, lng: 106.8272 }, radiusKm: 25 }],
        [
          'near Monas 25 km + category=surgery',
          { ...base, near: { lat: -6.1754, lng: 106.8272 }, radiusKm: 25, category: 'surgery' },
        ],
        ['near Monas 100 km + q=gigi', { ...base, near: { lat: -6.1754, lng: 106.8272 }, radiusKm: 100, q: 'gigi' }],
      ];
      // Timings on a shared machine swing with its load; print it so runs can be compared fairly.
      console.log(
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${os.cpus().length} CPUs`,
      );
      console.log(`each query: ${WARMUP} warm-up runs, then ${RUNS} timed runs of one 20-item page (ms)`);
      console.log(
        `${'query'.padEnd(40)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)}  hits  page 2 p50`,
      );
      for (const [label, input] of cases) {
        let first = await service.search(input);
        for (let i = 0; i < WARMUP; i++) first = await service.search(input);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          t0 = performance.now();
          await service.search(input);
          times.push(performance.now() - t0);
        }
        // The next page through the cursor costs about the same as the first.
        const page2: number[] = [];
        if (first.nextCursor) {
          for (let i = 0; i < RUNS; i++) {
            t0 = performance.now();
            await service.search({ ...input, cursor: first.nextCursor });
            page2.push(performance.now() - t0);
          }
        }
        const s = stats(times);
        console.log(
          `${label.padEnd(40)} ${s.p50.toFixed(2).padStart(7)} ${s.p95.toFixed(2).padStart(7)} ` +
            `${s.max.toFixed(2).padStart(7)}  ${String(first.items.length).padStart(4)}  ` +
            `${page2.length ? stats(page2).p50.toFixed(2) : '-'}`,
        );
      }
      const plan = await sql<{
        'QUERY PLAN': string;
      }>`explain select id from clinics c where c.published and c.deleted_at is null and c.lat is not null
        and point(c.lng, c.lat) <@ box(point(106.73, -6.27), point(106.92, -6.08))`.execute(database.db);
      console.log(
        `near prefilter plan: ${plan.rows
          .map((r) => r['QUERY PLAN'].trim())
          .filter((l) => /Scan|Index/.test(l))
          .join(' | ')}`,
      );
    } finally {
      await database.close();
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
