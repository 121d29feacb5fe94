import { describe, expect, it } from 'vitest';
import { templates } from './templates.ts';

describe('mail templates', () => {
  it('speaks Bahasa Indonesia by default and English by preference, with a plain-text part', () => {
    const id = templates.decision('id', {
      name: 'Dewi',
      business: 'Klinik Sehat',
      decision: 'changes_requested',
      reason: 'NPWP tidak terbaca',
      url: 'http://x/y',
    });
    expect(id.subject).toMatch(/perlu diperbaiki/);
    expect(id.text).toContain('Alasan: NPWP tidak terbaca');
    expect(id.text).toContain('http://x/y');
    const en = templates.decision('en', {
      name: 'Jane',
      business: 'Happy Paws',
      decision: 'rejected',
      reason: 'Licence expired',
      url: 'http://x/y',
    });
    expect(en.subject).toMatch(/not approved/);
    expect(en.text).toContain('Reason: Licence expired');
    expect(templates.decision('en', { name: 'J', business: 'B', decision: 'approved', url: 'u' }).subject).toMatch(
      /approved/,
    );
  });

  it('puts the code in the subject and the body, and nothing the applicant wrote', () => {
    const m = templates.contactCode('id', { code: '012345', minutes: 15 });
    expect(m.subject).toContain('012345');
    expect(m.text).toContain('Kode verifikasi: 012345');
    expect(m.text).toMatch(/^Halo,\n/);
  });

  it('names the business in a decision only when it is plain text', () => {
    const plain = templates.decision('en', { name: 'Jane', business: 'Happy Paws', decision: 'approved', url: 'u' });
    expect(plain.text).toContain('the application for Happy Paws is approved');
    const linked = templates.decision('en', {
      name: 'Jane',
      business: 'Prizes at www.evil.example',
      decision: 'approved',
      url: 'u',
    });
    expect(linked.text).not.toContain('evil');
    expect(linked.text).toContain('your application is approved');
  });
});
