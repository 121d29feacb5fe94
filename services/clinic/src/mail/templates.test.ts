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

  it('puts the code in the subject and the body, and escapes names in HTML', () => {
    const m = templates.contactCode('id', {
      name: '<b>Budi</b>',
      code: '012345',
      minutes: 15,
      business: 'Klinik & Co',
    });
    expect(m.subject).toContain('012345');
    expect(m.text).toContain('Kode verifikasi: 012345');
    expect(m.html).toContain('&lt;b&gt;Budi&lt;/b&gt;');
    expect(m.html).not.toContain('<b>Budi</b>');
  });
});
