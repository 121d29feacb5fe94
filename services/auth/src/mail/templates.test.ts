import { describe, expect, it } from 'vitest';
import { templates } from './templates.ts';

describe('auth mail templates', () => {
  it('speaks Bahasa Indonesia by default and English on request, with a plain-text part', () => {
    const id = templates.verifyEmail('id', {
      url: 'https://petpro.test/v?token=abc',
      token: 'abc',
      hours: 24,
    });
    const en = templates.verifyEmail('en', {
      url: 'https://petpro.test/v?token=abc',
      token: 'abc',
      hours: 24,
    });
    expect(id.subject).toMatch(/Konfirmasi/);
    expect(en.subject).toMatch(/Confirm/);
    expect(id.text).toContain('https://petpro.test/v?token=abc');
    expect(id.html).toContain('href="https://petpro.test/v?token=abc"');
  });
  it('greets by a plain name only, and never by one with markup or links', () => {
    expect(templates.passwordChanged('en', { name: 'Budi Santoso' }).text).toMatch(/^Hi Budi Santoso,/);
    const m = templates.passwordChanged('en', { name: '<script>x</script>' });
    expect(m.html).not.toContain('script');
    expect(templates.passwordChanged('id', { name: 'Kunjungi www.hadiah.id' }).text).toMatch(/^Halo,\n/);
  });
  it('tells the reader of a verification mail that someone else may have typed the address', () => {
    const m = templates.verifyEmail('en', {
      url: 'https://petpro.test/verify-email?token=abc',
      token: 'abc',
      hours: 24,
    });
    expect(m.text).toContain('someone else may have typed your address');
  });
});
