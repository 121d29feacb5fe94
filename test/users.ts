/** Test helpers that go through the real auth service, as a client would. */
import { randomBytes } from 'node:crypto';
import { ADMIN, type PlatformClient } from './platform.ts';

export interface TestUser {
  userId: string;
  email: string;
  password: string;
  name: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a user, takes the verification token from the real mail, verifies, logs in. */
export async function createVerifiedUser(
  p: PlatformClient,
  opts: { email?: string; name?: string; password?: string; language?: 'id' | 'en' } = {},
): Promise<TestUser> {
  const email = opts.email ?? `user-${randomBytes(5).toString('hex')}@example.test`;
  const password = opts.password ?? `Kata-sandi-${randomBytes(4).toString('hex')}`;
  const name = opts.name ?? 'Test User';
  const reg = await p.http.post('/api/v1/auth/register', {
    email,
    password,
    name,
    ...(opts.language ? { language: opts.language } : {}),
  });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const mail = await p.smtp.waitFor(email, (m) => /confirm|konfirmasi/i.test(m.subject) && m.text.includes('token='));
  const token = verificationToken(mail.text);
  const v = await p.http.post('/api/v1/auth/verify-email', { token });
  if (v.status !== 200) throw new Error(`verify failed: ${v.status} ${v.text}`);
  return login(p, email, password, name);
}

/** The token in a verification or reset mail. */
export function verificationToken(text: string): string {
  const m = /token=([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no token in mail: ${text}`);
  return m[1]!;
}

export async function login(p: PlatformClient, email: string, password: string, name = ''): Promise<TestUser> {
  const res = await p.http.post('/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return {
    userId: res.body.user.id,
    email,
    password,
    name,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
  };
}

/** Logs in as the bootstrap admin that test/platform.ts configures. */
export function loginAdmin(p: PlatformClient): Promise<TestUser> {
  return login(p, ADMIN.email, ADMIN.password, 'PetPro Admin');
}

/** Logs in again to get a token that carries roles granted since the last login. */
export async function relogin(p: PlatformClient, u: TestUser): Promise<TestUser> {
  return login(p, u.email, u.password, u.name);
}

const admins = new WeakMap<PlatformClient, Promise<TestUser>>();

/** The bootstrap admin, logged in once per platform. */
export function adminOf(p: PlatformClient): Promise<TestUser> {
  let a = admins.get(p);
  if (!a) admins.set(p, (a = loginAdmin(p)));
  return a;
}

/**
 * A verified account given the `vendor` role by the admin (`admin`, else the bootstrap admin), logged
 * in again so its token carries it: the role's permissions, not a link alone, let an owner manage
 * clinics, schedules and bookings.
 */
export async function createVendor(
  p: PlatformClient,
  opts: { name?: string; admin?: TestUser } = {},
): Promise<TestUser> {
  const user = await createVerifiedUser(p, { name: opts.name ?? 'Vendor' });
  await setRoles(p, opts.admin ?? (await adminOf(p)), user.userId, ['pet_owner', 'vendor']);
  return relogin(p, user);
}

/** Replaces a user's roles as an admin would (PUT /api/v1/admin/users/{id}/roles); throws unless 200. */
export async function setRoles(p: PlatformClient, admin: TestUser, userId: string, roles: string[]): Promise<void> {
  const res = await p.http.put(`/api/v1/admin/users/${userId}/roles`, { roles }, { token: admin.accessToken });
  if (res.status !== 200) throw new Error(`setting roles failed: ${res.status} ${res.text}`);
}
