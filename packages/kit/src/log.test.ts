import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { redactUrl } from './log.ts';
import { closeServer, createServiceApp, finishApp, listen } from './http.ts';

// Regression: access log lines carried the full URL, so the live token of a mailed verification or
// password-reset link (`?token=…`) was written to every log a request passed through.
describe('redactUrl', () => {
  it.each([
    ['/api/v1/auth/verify-email?token=s3cret', '/api/v1/auth/verify-email?token=[redacted]'],
    ['/reset-password?lang=en&token=s3cret&x=1', '/reset-password?lang=en&token=[redacted]&x=1'],
    ['/cb?code=abc&state=xyz', '/cb?code=[redacted]&state=xyz'],
    ['/a?%74oken=s3cret', '/a?%74oken=[redacted]'],
    ['/a?token[]=s3cret', '/a?token[]=[redacted]'],
    ['/api/v1/clinics?q=token', '/api/v1/clinics?q=token'],
    ['/api/v1/clinics', '/api/v1/clinics'],
    ['/a?%E0%A4%A=1', '/a?%E0%A4%A=1'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('service access log', () => {
  it('never writes a query token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, cb) => {
        lines.push(String(chunk));
        cb();
      },
    });
    const { app } = createServiceApp({ name: 'test', version: '0', log: pino({ level: 'info' }, sink) });
    const { server, port } = await listen(finishApp(app), 0, '127.0.0.1');
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/auth/verify-email?token=live-secret-token`);
      expect(r.status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const access = lines.filter((l) => l.includes('verify-email'));
      expect(access.length).toBeGreaterThan(0);
      expect(access.join('\n')).not.toContain('live-secret-token');
    } finally {
      await closeServer(server, 500);
    }
  });
});
