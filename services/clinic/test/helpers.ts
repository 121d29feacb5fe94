/** Helpers for the clinic service's integration tests: onboarding steps, contact codes, complete applications. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Platform } from '../../../test/platform.ts';
import type { TestUser } from '../../../test/users.ts';
import { PDF, form, upload } from '../../../test/media.ts';

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

/**
 * Starts an application and fills every step, document and the contact verification; returns its id (not submitted).
 */
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
      'POST',
      `/api/v1/vendor/onboarding/${id}/documents`,
      token,
      form(PDF, `${type}.pdf`, 'application/pdf', { type }),
    );
    expect(r.status, r.text).toBe(201);
  }
  return id;
}
