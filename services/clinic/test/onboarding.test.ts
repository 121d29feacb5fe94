import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServiceCredentials, type RunningService } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, loginAdmin, relogin, type TestUser } from '../../../test/users.ts';
import { linkStaffAccount } from '../../../test/staff.ts';
import { PDF, download, form, png, upload } from '../../../test/media.ts';
import { completeApplication, contactCode, sampleSteps, unique } from './helpers.ts';

let p: Platform;
let admin: TestUser;
const extra: RunningService[] = [];

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'clinic'],
    env: {
      CLINIC_WORKER_INTERVAL_MS: '200',
      CLINIC_RETRY_BASE_MS: '200',
      CLINIC_RETRY_MAX_MS: '1000',
      CLINIC_CONTACT_CODE_RESEND_SECONDS: '0',
      CLINIC_DOCUMENT_MAX_BYTES: '200000',
    },
  });
  admin = await loginAdmin(p);
});
afterAll(async () => {
  for (const s of extra) await s.stop().catch(() => {});
  await p?.stop();
});

const me = async (u: TestUser) =>
  (await p.http.get('/api/v1/auth/me', { token: u.accessToken })).body as { roles: string[] };

describe('vendor onboarding through the gateway', () => {
  it(
    'steps, documents, contact code, submit, changes requested, ' +
      'resubmit, approval; then the vendor runs the clinic',
    async () => {
      const applicant = await createVerifiedUser(p, { name: 'Dewi' });
      const token = applicant.accessToken;
      const base = '/api/v1/vendor/onboarding';

      const started = await p.http.post(base, undefined, { token });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ status: 'draft', applicantUserId: applicant.userId, clinicId: null });
      const id = started.body.id as string;
      const again = await p.http.post(base, undefined, { token });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'onboarding_in_progress', applicationId: id });

      // Submitting an empty draft names everything that is missing.
      const empty = await p.http.post(`${base}/${id}/submit`, undefined, { token });
      expect(empty.status).toBe(409);
      expect(empty.headers.get('content-type')).toContain('application/problem+json');
      expect(empty.body.code).toBe('onboarding_incomplete');
      expect(empty.body.missing).toEqual([
        'step:business',
        'step:contact',
        'step:location',
        'step:services',
        'document:business_licence',
        'document:tax_registration',
        'contact_verification',
      ]);

      const contactEmail = `contact-${unique()}@example.test`;
      const steps = sampleSteps(contactEmail);
      const badTax = await p.http.put(
        `${base}/${id}/steps/business`,
        { ...steps.business, taxId: '12.345' },
        { token },
      );
      expect(badTax.status).toBe(400);
      expect(badTax.body.errors).toEqual([expect.objectContaining({ field: 'taxId' })]);
      const business = await p.http.put(`${base}/${id}/steps/business`, steps.business, { token });
      expect(business.status).toBe(200);
      expect(business.body.steps.business.taxId).toBe('01.234.567.8-901.000');
      expect(
        (await p.http.put(`${base}/${id}/steps/location`, { ...steps.location, timeZone: 'Asia/Atlantis' }, { token }))
          .status,
      ).toBe(400);
      for (const step of ['contact', 'location', 'services'] as const) {
        const r = await p.http.put(`${base}/${id}/steps/${step}`, steps[step], { token });
        expect(r.status, r.text).toBe(200);
      }

      // Documents: bytes decide the type; a renamed text file is refused.
      const fake = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(Buffer.from('just some text, not a PDF'), 'licence.pdf', 'application/pdf', { type: 'business_licence' }),
      );
      expect(fake.status).toBe(415);
      expect(fake.body.code).toBe('unsupported_media_type');
      const huge = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(Buffer.concat([PDF, Buffer.alloc(300_000)]), 'big.pdf', 'application/pdf', { type: 'business_licence' }),
      );
      expect(huge.status).toBe(413);
      const badType = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(PDF, 'x.pdf', 'application/pdf', { type: 'passport' }),
      );
      expect(badType.status).toBe(400);
      const licence = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(PDF, 'izin usaha.pdf', 'application/pdf', { type: 'business_licence' }),
      );
      expect(licence.status, licence.text).toBe(201);
      expect(licence.body).toMatchObject({
        type: 'business_licence',
        contentType: 'application/pdf',
        fileName: 'izin usaha.pdf',
      });
      const taxPng = await png();
      const tax = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(taxPng, 'npwp.png', 'image/png', { type: 'tax_registration' }),
      );
      expect(tax.status).toBe(201);

      const notYet = await p.http.post(`${base}/${id}/submit`, undefined, { token });
      expect(notYet.status).toBe(409);
      expect(notYet.body.missing).toEqual(['document:vet_licence', 'contact_verification']);

      // The contact code comes from the real SMTP server; a wrong code costs a try.
      const code = await contactCode(p, contactEmail);
      const wrong = await p.http.post(
        `${base}/${id}/verify-contact`,
        { code: code === '000000' ? '111111' : '000000' },
        { token },
      );
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('code_invalid');
      const resent = await p.http.post(`${base}/${id}/verify-contact/resend`, undefined, { token });
      expect(resent.status).toBe(202);
      const code2 = await eventually(async () => {
        const c = await contactCode(p, contactEmail);
        return p.smtp.mails.filter((m) => m.to.includes(contactEmail)).length >= 2 && c;
      });
      const verified = await p.http.post(`${base}/${id}/verify-contact`, { code: code2 }, { token });
      expect(verified.status, verified.text).toBe(200);
      expect(verified.body.contactVerified).toBe(true);

      const vet = await upload(
        p,
        'POST',
        `${base}/${id}/documents`,
        token,
        form(PDF, 'sip-dokter.pdf', 'application/pdf', { type: 'vet_licence' }),
      );
      expect(vet.status).toBe(201);
      const submitted = await p.http.post(`${base}/${id}/submit`, undefined, { token });
      expect(submitted.status, submitted.text).toBe(200);
      expect(submitted.body.status).toBe('submitted');
      expect((await p.http.put(`${base}/${id}/steps/contact`, steps.contact, { token })).status).toBe(409);

      // Documents are private: another user gets 404, the applicant and an admin get the bytes.
      const stranger = await createVerifiedUser(p);
      expect((await p.http.get(`${base}/${id}`, { token: stranger.accessToken })).status).toBe(404);
      expect((await download(p, licence.body.url, stranger.accessToken)).status).toBe(404);
      expect((await download(p, licence.body.url)).status).toBe(401);
      const mine = await download(p, licence.body.url, token);
      expect(mine.status).toBe(200);
      expect(mine.bytes.equals(PDF)).toBe(true);
      expect(mine.headers.get('content-disposition')).toContain('attachment');
      const asAdmin = await download(p, tax.body.url, admin.accessToken);
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.headers.get('content-type')).toBe('image/png');
      expect(asAdmin.bytes.equals(taxPng)).toBe(true);

      // The admin queue, and nothing for non-admins.
      expect((await p.http.get('/api/v1/admin/onboarding', { token })).status).toBe(403);
      const queue = await p.http.get('/api/v1/admin/onboarding?status=submitted', { token: admin.accessToken });
      expect(queue.status).toBe(200);
      expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(id);
      expect(queue.body.items.find((i: { id: string }) => i.id === id)).toMatchObject({
        legalName: steps.business.legalName,
        businessType: 'clinic',
        city: 'Denpasar',
      });
      const older = await p.http.get('/api/v1/admin/onboarding?status=submitted&olderThanHours=1', {
        token: admin.accessToken,
      });
      expect(older.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
      const detail = await p.http.get(`/api/v1/admin/onboarding/${id}`, { token: admin.accessToken });
      expect(detail.body.documents).toHaveLength(3);

      // Changes requested (a reason is required), fixed, resubmitted.
      expect(
        (await p.http.post(`/api/v1/admin/onboarding/${id}/request-changes`, {}, { token: admin.accessToken })).status,
      ).toBe(400);
      const changes = await p.http.post(
        `/api/v1/admin/onboarding/${id}/request-changes`,
        { reason: 'Alamat kurang lengkap' },
        { token: admin.accessToken },
      );
      expect(changes.status).toBe(200);
      expect(changes.body).toMatchObject({ status: 'changes_requested', reviewReason: 'Alamat kurang lengkap' });
      const changesMail = await p.smtp.waitFor(applicant.email, (m) => /perlu diperbaiki/.test(m.subject));
      expect(changesMail.text).toContain('Alamat kurang lengkap');
      expect(
        (await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken })).status,
      ).toBe(409);
      const fixed = await p.http.put(
        `${base}/${id}/steps/location`,
        { ...steps.location, address: 'Jl. Sunset Road 88, Kuta, Badung' },
        { token },
      );
      expect(fixed.status).toBe(200);
      expect((await p.http.post(`${base}/${id}/submit`, undefined, { token })).body.status).toBe('submitted');

      const approved = await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body.status).toBe('approved');
      const clinicId = approved.body.clinicId as string;
      expect(clinicId).toMatch(/^[0-9a-f-]{36}$/);
      expect(
        (await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken })).status,
      ).toBe(409);
      await p.smtp.waitFor(applicant.email, (m) => /disetujui/.test(m.subject));

      // Every transition is in the history, with its actor and time.
      const history = (await p.http.get(`/api/v1/admin/onboarding/${id}`, { token: admin.accessToken })).body
        .history as Array<{
        type: string;
        actor: { kind: string; userId: string | null };
        at: string;
        toStatus: string | null;
      }>;
      const transitions = history.filter((e) => e.toStatus).map((e) => `${e.type}:${e.actor.kind}`);
      expect(transitions).toEqual([
        'created:applicant',
        'submitted:applicant',
        'changes_requested:admin',
        'resubmitted:applicant',
        'approval_started:admin',
        'approved:admin',
      ]);
      expect(history.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
      expect(history.find((e) => e.type === 'approved')!.actor.userId).toBe(admin.userId);

      // The applicant's next token carries `vendor`; the clinic exists with the onboarding's data.
      const vendor = await relogin(p, applicant);
      expect((await me(vendor)).roles).toContain('vendor');
      const vt = vendor.accessToken;
      const clinic = await p.http.get(`/api/v1/clinics/${clinicId}`, { token: vt });
      expect(clinic.status).toBe(200);
      expect(clinic.body).toMatchObject({
        name: steps.business.legalName,
        city: 'Denpasar',
        timeZone: 'Asia/Makassar',
        published: false,
        ownerUserId: applicant.userId,
        address: 'Jl. Sunset Road 88, Kuta, Badung',
      });
      expect((await p.http.get(`/api/v1/clinics/${clinicId}`)).status).toBe(404); // unpublished: private
      const mineList = await p.http.get('/api/v1/vendor/clinics', { token: vt });
      expect(mineList.body.items.map((c: { id: string }) => c.id)).toEqual([clinicId]);

      // Published, given hours, staff and services.
      const published = await p.http.patch(
        `/api/v1/clinics/${clinicId}`,
        { published: true, description: 'Klinik hewan 24 jam di Kuta' },
        { token: vt },
      );
      expect(published.status, published.text).toBe(200);
      const pub = await p.http.get(`/api/v1/clinics/${clinicId}`);
      expect(pub.status).toBe(200);
      expect(pub.body.ownerUserId).toBeUndefined();
      expect(pub.body.categories).toEqual(['consultation', 'vaccination']);

      const overlap = await p.http.put(
        `/api/v1/clinics/${clinicId}/hours`,
        {
          weekly: [
            {
              weekday: 1,
              ranges: [
                { start: '08:00', end: '12:00' },
                { start: '11:00', end: '15:00' },
              ],
            },
          ],
          closures: [],
        },
        { token: vt },
      );
      expect(overlap.status).toBe(400);
      expect(overlap.body.errors[0]).toMatchObject({ field: 'weekly.0.ranges.1', code: 'overlapping_ranges' });
      const allWeek = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '00:00', end: '24:00' }] }));
      const hours = await p.http.put(
        `/api/v1/clinics/${clinicId}/hours`,
        { weekly: allWeek, closures: [{ date: '2030-01-01', reason: 'Tahun Baru' }] },
        { token: vt },
      );
      expect(hours.status, hours.text).toBe(200);
      expect(hours.body).toMatchObject({ timeZone: 'Asia/Makassar', openNow: true });
      expect((await p.http.get(`/api/v1/clinics/${clinicId}/hours`)).body.closures).toEqual([
        { date: '2030-01-01', reason: 'Tahun Baru' },
      ]);
      expect((await p.http.get(`/api/v1/clinics/${clinicId}`)).body.openNow).toBe(true);

      const services = await p.http.get(`/api/v1/clinics/${clinicId}/services`);
      expect(services.body.items.map((s: { name: string }) => s.name)).toEqual(['Konsultasi Umum', 'Vaksin Rabies']);
      expect(services.body.items[0].price).toEqual({ amount: 15_000_000, currency: 'IDR' });
      const grooming = await p.http.post(
        `/api/v1/clinics/${clinicId}/services`,
        {
          name: 'Grooming Kucing',
          category: 'grooming',
          price: { amount: 12_000_000 },
          durationMinutes: 60,
          bufferMinutes: 15,
          species: ['cat'],
        },
        { token: vt },
      );
      expect(grooming.status, grooming.text).toBe(201);
      expect(grooming.body).toMatchObject({
        bufferMinutes: 15,
        species: ['cat'],
        active: true,
        price: { amount: 12_000_000, currency: 'IDR' },
      });

      const staffUser = await createVerifiedUser(p, { name: 'Drh. Budi' });
      const staff = await p.http.post(
        `/api/v1/clinics/${clinicId}/staff`,
        {
          name: 'Drh. Budi',
          role: 'vet',
          serviceIds: [services.body.items[0].id, services.body.items[1].id],
        },
        { token: vt },
      );
      expect(staff.status, staff.text).toBe(201);
      await linkStaffAccount(p, vt, clinicId, staff.body.id, staffUser);
      const linked = await p.http.get(`/api/v1/clinics/${clinicId}/staff/${staff.body.id}`, { token: vt });
      expect(linked.body).toMatchObject({ role: 'vet', userId: staffUser.userId });
      expect((await me(await relogin(p, staffUser))).roles).toContain('clinic_staff');
      const groomer = await p.http.post(
        `/api/v1/clinics/${clinicId}/staff`,
        { name: 'Sari', role: 'groomer', serviceIds: [grooming.body.id] },
        { token: vt },
      );
      expect(groomer.status).toBe(201);
      const badStaff = await p.http.post(
        `/api/v1/clinics/${clinicId}/staff`,
        { name: 'X', role: 'pilot', serviceIds: [] },
        { token: vt },
      );
      expect(badStaff.status).toBe(400);
      const publicStaff = await p.http.get(`/api/v1/clinics/${clinicId}/staff`);
      expect(publicStaff.body.items.map((s: { name: string }) => s.name)).toEqual(['Drh. Budi', 'Sari']);
      expect(publicStaff.body.items[0].userId).toBeUndefined();

      const photo = await upload(
        p,
        'POST',
        `/api/v1/clinics/${clinicId}/photos`,
        vt,
        form(await png(2000, 1000), 'front.png', 'image/png'),
      );
      expect(photo.status, photo.text).toBe(201);
      const large = await download(p, photo.body.urls.large);
      expect(large.status).toBe(200);
      expect(large.headers.get('content-type')).toBe('image/webp');
      const small = await download(p, photo.body.urls.small);
      expect(small.bytes.length).toBeLessThan(large.bytes.length);
      expect(
        (await upload(p, 'POST', `/api/v1/clinics/${clinicId}/photos`, vt, form(PDF, 'x.png', 'image/png'))).status,
      ).toBe(415);

      // The booking service's view, with a service credential, directly on the clinic service.
      const cred = await new ServiceCredentials(TEST_SECRET, 'booking').token();
      const direct = (path: string, headers: Record<string, string> = { 'x-service-token': cred }) =>
        fetch(new URL(path, p.services.clinic!.url), { headers }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Record<string, unknown>,
        }));
      expect((await direct(`/internal/clinics/${clinicId}`, {})).status).toBe(401);
      const internal = await direct(`/internal/clinics/${clinicId}`);
      expect(internal.status).toBe(200);
      expect(internal.body).toEqual({
        id: clinicId,
        ownerUserId: applicant.userId,
        name: steps.business.legalName,
        timeZone: 'Asia/Makassar',
        published: true,
        address: 'Jl. Sunset Road 88, Kuta, Badung',
        city: 'Denpasar',
        openingHours: { weekly: allWeek, closures: [{ date: '2030-01-01', reason: 'Tahun Baru' }] },
        staff: [
          {
            id: staff.body.id,
            name: 'Drh. Budi',
            role: 'vet',
            serviceIds: [services.body.items[0].id, services.body.items[1].id].sort(),
            userId: staffUser.userId,
          },
          { id: groomer.body.id, name: 'Sari', role: 'groomer', serviceIds: [grooming.body.id], userId: null },
        ],
      });
      const svc = await direct(`/internal/clinics/${clinicId}/services/${grooming.body.id}`);
      expect(svc.body).toEqual({
        id: grooming.body.id,
        clinicId,
        name: 'Grooming Kucing',
        category: 'grooming',
        durationMinutes: 60,
        bufferMinutes: 15,
        price: { amount: 12_000_000, currency: 'IDR' },
        active: true,
        qualifiedStaffIds: [groomer.body.id],
      });
      expect((await direct(`/internal/clinics/${clinicId}/services/${staff.body.id}`)).status).toBe(404);
      // Not routed by the gateway.
      expect((await p.http.get(`/internal/clinics/${clinicId}`)).status).toBe(404);
    },
  );

  it('rejection is final and mailed in the applicant language', async () => {
    const applicant = await createVerifiedUser(p, { name: 'Jane', language: 'en' });
    const id = await completeApplication(p, applicant);
    expect(
      (await p.http.post(`/api/v1/vendor/onboarding/${id}/submit`, undefined, { token: applicant.accessToken })).status,
    ).toBe(200);
    const rejected = await p.http.post(
      `/api/v1/admin/onboarding/${id}/reject`,
      { reason: 'Licence number does not match the document' },
      { token: admin.accessToken },
    );
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      reviewReason: 'Licence number does not match the document',
    });
    expect(rejected.body.decidedAt).not.toBeNull();
    const mail = await p.smtp.waitFor(applicant.email, (m) => /not approved/.test(m.subject));
    expect(mail.text).toContain('Licence number does not match the document');
    expect(
      (await p.http.post(`/api/v1/vendor/onboarding/${id}/submit`, undefined, { token: applicant.accessToken })).status,
    ).toBe(409);
    expect((await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken })).status).toBe(
      409,
    );
    // A rejected applicant may start over.
    expect((await p.http.post('/api/v1/vendor/onboarding', undefined, { token: applicant.accessToken })).status).toBe(
      201,
    );
  });

  it('an approval while the auth service is down is not half-done and completes once auth is back', async () => {
    const applicant = await createVerifiedUser(p);
    const id = await completeApplication(p, applicant);
    expect(
      (await p.http.post(`/api/v1/vendor/onboarding/${id}/submit`, undefined, { token: applicant.accessToken })).status,
    ).toBe(200);
    const mailsBefore = p.smtp.mails.length;

    await p.services.auth!.stop();
    const pending = await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken });
    expect(pending.status, pending.text).toBe(202);
    expect(pending.body.status).toBe('approving');
    expect(pending.body.approval.attempts).toBeGreaterThanOrEqual(1);
    expect(pending.body.approval.lastError).toBeTruthy();
    // Still not approved a while later: no decision, no approval mail.
    await new Promise((r) => setTimeout(r, 800));
    const during = await p.http.get(`/api/v1/vendor/onboarding/${id}`, { token: applicant.accessToken });
    expect(during.body.status).toBe('approving');
    expect(during.body.decidedAt).toBeNull();
    expect(p.smtp.mails.slice(mailsBefore).filter((m) => m.to.includes(applicant.email))).toEqual([]);
    // A second approve while auth is down is a retry, not a second clinic.
    expect((await p.http.post(`/api/v1/admin/onboarding/${id}/approve`, {}, { token: admin.accessToken })).status).toBe(
      202,
    );

    const auth = await p.startInstance('auth');
    extra.push(auth);
    p.services.auth = auth;
    const done = await eventually(
      async () => {
        const r = await p.http.get(`/api/v1/vendor/onboarding/${id}`, { token: applicant.accessToken });
        return r.body.status === 'approved' && r.body;
      },
      20_000,
      200,
    );
    expect(done.clinicId).toBeTruthy();
    await p.smtp.waitFor(applicant.email, (m) => /disetujui/.test(m.subject));
    const vendor = await relogin(p, applicant);
    expect((await me(vendor)).roles).toContain('vendor');
    const clinics = await p.http.get('/api/v1/vendor/clinics', { token: vendor.accessToken });
    expect(clinics.body.items.map((c: { id: string }) => c.id)).toEqual([done.clinicId]);
    const history = (await p.http.get(`/api/v1/admin/onboarding/${id}`, { token: admin.accessToken })).body
      .history as Array<{ type: string; actor: { kind: string } }>;
    expect(history.filter((e) => e.type === 'clinic_created')).toHaveLength(1);
    expect(history.find((e) => e.type === 'approved')!.actor.kind).toBe('system');
  });

  it('three clinic replicas racing over the mail outbox send each decision mail once', async () => {
    const applicants = await Promise.all([createVerifiedUser(p), createVerifiedUser(p), createVerifiedUser(p)]);
    const ids: string[] = [];
    for (const a of applicants) {
      const id = await completeApplication(p, a);
      await p.http.post(`/api/v1/vendor/onboarding/${id}/submit`, undefined, { token: a.accessToken });
      ids.push(id);
    }
    // With auth down the decision mails cannot be rendered (no language, no address): they wait in the outbox.
    await p.services.auth!.stop();
    for (const id of ids) {
      const r = await p.http.post(
        `/api/v1/admin/onboarding/${id}/reject`,
        { reason: 'Dokumen kurang jelas' },
        {
          token: admin.accessToken,
        },
      );
      expect(r.status, r.text).toBe(200);
    }
    for (let i = 0; i < 2; i++) extra.push(await p.startInstance('clinic'));
    const auth = await p.startInstance('auth');
    extra.push(auth);
    p.services.auth = auth;
    for (const a of applicants)
      await p.smtp.waitFor(a.email, (m) => /tidak disetujui|not approved/.test(m.subject), 20_000);
    // Every worker (200 ms period) has had several passes at the outbox since.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const a of applicants) {
      expect(
        p.smtp.mails.filter((m) => m.to.includes(a.email) && /tidak disetujui|not approved/.test(m.subject)),
      ).toHaveLength(1);
    }
  });
});
