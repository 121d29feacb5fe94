import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { TooManyRequestsError } from './errors.ts';
import { Mailer } from './mail.ts';
import {
  ChannelRegistry,
  ChannelUnavailableError,
  type NotificationMessage,
  type NotificationRecipient,
  PermanentNotificationError,
  RetryableNotificationError,
  classifySendError,
  emailChannel,
  smsChannel,
} from './notifications.ts';
import { SmsRejectedError, SmsUnavailableError, createSmsSender, smsEnv } from './sms.ts';
import { type SmtpCapture, startSmtpCapture } from './testing.ts';

const silent = pino({ level: 'silent' });
const who: NotificationRecipient = {
  userId: 'u1',
  email: 'dewi@example.test',
  phone: '+6281234567890',
  language: 'id',
  timeZone: 'Asia/Jakarta',
};
const msg: NotificationMessage = {
  purpose: 'appointment_reminder',
  subject: 'Pengingat janji temu',
  shortText: 'Besok 09:00 di Klinik Sehat',
  longText: 'Janji temu Anda besok 09:00 di Klinik Sehat.',
  html: '<p>Janji temu Anda besok 09:00 di Klinik Sehat.</p>',
};

describe('notification channels', () => {
  let smtp: SmtpCapture;
  let texts: Array<Record<string, unknown>>;
  let receiver: http.Server;
  let webhook: string;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    texts = [];
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        texts.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"sms-1"}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    webhook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/sms`;
  });
  afterAll(async () => {
    await smtp.close();
    await new Promise((r) => receiver.close(r));
  });

  it('dispatches by channel; an unregistered channel is a retryable channel_unavailable, never a crash', async () => {
    const mailer = new Mailer({ smtpUrl: smtp.url, from: 'PetPro <no-reply@petpro.test>', dataDir: '/tmp' }, silent);
    const sms = createSmsSender(
      { ...parseConfig(smsEnv, { SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: webhook }), PETPRO_DATA_DIR: '/tmp' },
      silent,
    );
    const registry = new ChannelRegistry()
      .register(emailChannel(mailer, { messageIdDomain: 'petpro.test' }))
      .register(smsChannel(sms));
    expect(registry.channels()).toEqual(['email', 'sms']);

    const sent = await registry.send('email', who, msg, { idempotencyKey: 'reminder:b1:60:email:2026' });
    const mail = await smtp.waitFor('dewi@example.test');
    expect(mail.subject).toBe('Pengingat janji temu');
    expect(mail.text).toContain('Klinik Sehat');
    expect(mail.messageId).toBe(sent.id);

    await expect(registry.send('sms', who, msg, { idempotencyKey: 'k' })).resolves.toEqual({ id: 'sms-1' });
    expect(texts).toEqual([expect.objectContaining({ to: who.phone, text: msg.shortText, purpose: 'reminder' })]);

    const err = await registry.send('push', who, msg, { idempotencyKey: 'k' }).catch((e) => e);
    expect(err).toBeInstanceOf(ChannelUnavailableError);
    expect(err).toMatchObject({ code: 'channel_unavailable', permanent: false });
    mailer.close();
  });

  it('refuses permanently when the recipient has no address for the channel', async () => {
    const mailer = new Mailer({ smtpUrl: smtp.url, from: 'x@petpro.test', dataDir: '/tmp' }, silent);
    const sms = createSmsSender({ ...parseConfig(smsEnv, {}), PETPRO_DATA_DIR: '/tmp' }, silent);
    const noContact = { ...who, email: undefined, phone: undefined };
    await expect(
      emailChannel(mailer, { messageIdDomain: 'x' }).send(noContact, msg, { idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'no_email',
      permanent: true,
    });
    await expect(smsChannel(sms).send(noContact, msg, { idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'no_phone',
      permanent: true,
    });
    mailer.close();
  });

  it('sorts any error into retryable or permanent', () => {
    expect(classifySendError(new SmsRejectedError('bad number')).permanent).toBe(true);
    expect(classifySendError(new SmsUnavailableError('down')).permanent).toBe(false);
    const capped = classifySendError(new TooManyRequestsError(120, 'sms_cap'));
    expect(capped).toMatchObject({ permanent: false, code: 'sms_cap', retryAfterMs: 120_000 });
    expect(classifySendError(new Error('ECONNRESET'))).toBeInstanceOf(RetryableNotificationError);
    const own = new PermanentNotificationError('opted_out', 'switched off');
    expect(classifySendError(own)).toBe(own);
  });
});
