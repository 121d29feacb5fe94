import { describe, expect, it } from 'vitest';
import { templates } from './templates.ts';

describe('auth mail templates', () => {
  it('speaks Bahasa Indonesia by default and English on request, with a plain-text part', () => {
    const id = templates.verifyEmail('id', {
      name: 'Budi',
      url: 'https://petpro.test/v?token=abc',
      token: 'abc',
      hours: 24,
    });
    const en = templates.verifyEmail('en', {
      name: 'Budi',
      url: 'https://petpro.test/v?token=abc',
      token: 'abc',
      hours: 24,
    });
    expect(id.subject).toMatch(/Konfirmasi/);
    expect(en.subject).toMatch(/Confirm/);
    expect(id.text).toContain('https://petpro.test/v?token=abc');
    expect(id.html).toContain('href="https://petpro.test/v?token=abc"');
  });
  it('escapes user-supplied names in HTML', () => {
    const m = templates.passwordChanged('en', { name: '<script>x</script>' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;');
  });
});
