import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Mailer } from './mail.ts';

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
