/** Helpers for the clinic service's integration tests: uploads, vendors, complete applications. */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { Platform } from '../../../test/platform.ts';
import {
  createVerifiedUser,
  login,
  loginAdmin,
  relogin,
  verificationToken,
  type TestUser,
} from '../../../test/users.ts';

/** A minimal but real PDF (file-type recognises it by its `%PDF-` header). */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** A real PNG image. */
export function png(width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3b82f6' } })
    .png()
    .toBuffer();
}

/** Posts a multipart form with `file` (and other fields) through the gateway. */
export async function upload(
  p: Platform,
  path: string,
  token: string,
  file: { bytes: Buffer; name: string; type: string },
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  return p.http.call('POST', path, { token, raw: form });
}

/** Downloads raw bytes through the gateway. */
export async function download(p: Platform, path: string, token?: string) {
  const res = await fetch(new URL(path, p.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A user with the vendor role granted by the admin (skipping onboarding), logged in again to carry it. */
export async function createVendor(p: Platform, admin?: TestUser): Promise<TestUser> {
  const user = await createVerifiedUser(p);
  const a = admin ?? (await loginAdmin(p));
  const res = await p.http.put(
    `/api/v1/admin/users/${user.userId}/roles`,
    { roles: ['pet_owner', 'vendor'] },
    { token: a.accessToken },
  );
  expect(res.status, res.text).toBe(200);
  return relogin(p, user);
}

export const unique = () => randomBytes(4).toString('hex');

export interface Steps {
  business: Record<string, unknown>;
  contact: Record<string, unknown>;
  location: Record<string, unknown>;
  services: Record<string, unknown>;
}

/** Step bodies for a clinic in Denpasar (kept away from the search tests' cities). */
export function sampleSteps(contactEmail: string): Steps {
  return {
    business: {
      legalName: `Klinik Hewan Sehat ${unique()}`,
      businessType: 'clinic',
      taxId: '01.234.567.8-901.000',
      licenceNumber: 'SIP/123/2026',
    },
    contact: { contactName: 'Dewi Lestari', email: contactEmail, phone: '+62 812 3456 7890' },
    location: {
      address: 'Jl. Sunset Road 88',
      city: 'Denpasar',
      province: 'Bali',
      location: { lat: -8.6705, lng: 115.2126 },
      timeZone: 'Asia/Makassar',
    },
    services: {
      services: [
        { name: 'Konsultasi Umum', category: 'consultation', price: { amount: 15_000_000 }, durationMinutes: 30 },
        {
          name: 'Vaksin Rabies',
          category: 'vaccination',
          price: { amount: 25_000_000, currency: 'IDR' },
          durationMinutes: 15,
        },
      ],
    },
  };
}

/** The 6-digit code in the latest contact verification mail to `email`. */
export async function contactCode(p: Platform, email: string, after = 0): Promise<string> {
  const mail = await p.smtp.waitFor(
    email,
    (m) => /kode verifikasi|verification code/i.test(m.subject) && p.smtp.mails.indexOf(m) >= after,
  );
  const m = /(\d{6})/.exec(mail.subject);
  if (!m) throw new Error(`no code in ${mail.subject}`);
  return m[1]!;
}

/** Starts an application and fills every step, document and the contact verification; returns its id (not submitted). */
export async function completeApplication(p: Platform, user: TestUser): Promise<string> {
  const token = user.accessToken;
  const start = await p.http.post('/api/v1/vendor/onboarding', undefined, { token });
  expect(start.status, start.text).toBe(201);
  const id = start.body.id as string;
  const contactEmail = `contact-${unique()}@example.test`;
  const steps = sampleSteps(contactEmail);
  for (const step of ['business', 'contact', 'location', 'services'] as const) {
    const r = await p.http.put(`/api/v1/vendor/onboarding/${id}/steps/${step}`, steps[step], { token });
    expect(r.status, r.text).toBe(200);
  }
  const code = await contactCode(p, contactEmail);
  expect((await p.http.post(`/api/v1/vendor/onboarding/${id}/verify-contact`, { code }, { token })).status).toBe(200);
  for (const type of ['business_licence', 'tax_registration', 'vet_licence']) {
    const r = await upload(
      p,
      `/api/v1/vendor/onboarding/${id}/documents`,
      token,
      { bytes: PDF, name: `${type}.pdf`, type: 'application/pdf' },
      { type },
    );
    expect(r.status, r.text).toBe(201);
  }
  return id;
}

/**
 * A verified user whose language is English. (test/users.ts waits for an Indonesian-looking
 * verification subject, which an English account does not get.)
 */
export async function createEnglishUser(p: Platform): Promise<TestUser> {
  const email = `user-${unique()}@example.test`;
  const password = `Kata-sandi-${unique()}`;
  const reg = await p.http.post('/api/v1/auth/register', { email, password, name: 'Jane', language: 'en' });
  expect(reg.status, reg.text).toBe(201);
  const mail = await p.smtp.waitFor(email, (m) => /confirm|verif/i.test(m.subject));
  expect((await p.http.post('/api/v1/auth/verify-email', { token: verificationToken(mail.text) })).status).toBe(200);
  return login(p, email, password, 'Jane');
}
