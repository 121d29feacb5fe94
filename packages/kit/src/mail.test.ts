import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Mailer, greeting, mailSafeText } from './mail.ts';

describe('Mailer without SMTP_URL', () => {
  it('writes the message to the outbox folder and logs the hint line', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-mail-'));
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const mailer = new Mailer({ from: 'PetPro <no-reply@petpro.test>', dataDir }, log);
    await mailer.send({
      to: 'budi@example.test',
      subject: 'Konfirmasi',
      text: 'Buka https://x.test/v?token=abc',
      html: '<p>Buka</p>',
      outboxHint: 'verify budi: https://x.test/v?token=abc',
    });
    const files = readdirSync(path.join(dataDir, 'outbox'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(path.join(dataDir, 'outbox', files[0]!), 'utf8');
    expect(eml).toContain('To: budi@example.test');
    expect(eml).toContain('Subject: Konfirmasi');
    expect(eml).toContain('token=abc');
    expect(lines.join('')).toContain('verify budi: https://x.test/v?token=abc');
  });
});

describe('user-written text in mail', () => {
  it('keeps plain names and labels, collapsing spaces and dropping control characters', () => {
    expect(mailSafeText('  Klinik  Hewan\u0000 Sehat\n', 80)).toBe('Klinik Hewan Sehat');
    expect(mailSafeText('drh. Ayu', 80)).toBe('drh. Ayu');
    expect(greeting('id', 'Dewi Lestari')).toBe('Halo Dewi Lestari,');
    expect(greeting('en', "Siti Nur'aini")).toBe("Hi Siti Nur'aini,");
  });

  it('drops anything link-like, too long, or (in a greeting) with digits', () => {
    for (const t of ['buka http://x.test', 'www.hadiah.id', 'hadiah.example', 'a@b.c', 'x'.repeat(81)])
      expect(mailSafeText(t, 80)).toBeUndefined();
    expect(greeting('id', 'Hubungi 0812 3456')).toBe('Halo,');
    expect(greeting('en', 'Visit evil.example')).toBe('Hi,');
    expect(greeting('en', null)).toBe('Hi,');
  });
});
