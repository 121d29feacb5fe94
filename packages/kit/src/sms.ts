import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from './log.ts';
import { intVar, msVar, optionalVar, urlVar } from './config.ts';

/** What a text is for: shown to webhook receivers and in logs, never the text itself. */
export type SmsPurpose = 'mfa_code' | 'mfa_setup' | 'mfa_recovery' | 'reminder' | 'notice';

export interface SmsMessage {
  /** E.164, e.g. +6281234567890. */
  to: string;
  text: string;
  purpose: SmsPurpose;
}

/** The provider refused the message for good (bad number, blocked destination): retrying will not help. */
export class SmsRejectedError extends Error {
  readonly permanent = true;
}

/** The provider could not be reached or failed (timeout, 5xx, 429): the message may be retried. */
export class SmsUnavailableError extends Error {
  readonly permanent = false;
}

/** Sends a text; one interface for every provider and every service that texts users. */
export interface SmsSender {
  readonly provider: SmsProvider;
  /** Resolves with the provider's message id; throws SmsRejectedError, SmsUnavailableError or the cap's error. */
  send(msg: SmsMessage): Promise<{ id: string }>;
}

const E164 = /^\+[1-9]\d{7,14}$/;

/** True for a phone number in E.164 form (`+` and 8 to 15 digits). */
export function isE164(phone: string): boolean {
  return E164.test(phone);
}

const PROVIDERS = ['outbox', 'webhook', 'twilio'] as const;
export type SmsProvider = (typeof PROVIDERS)[number];

const optionalText = optionalVar(z.string());

/**
 * SMS settings, spread into the configuration of services that text users. `SMS_SENDER_ID` is the
 * alphanumeric sender (or number) shown to the recipient: Indonesian carriers block OTP and
 * notification texts from plain long numbers, so it is configuration, registered with the provider.
 */
export const smsEnv = {
  SMS_PROVIDER: z.enum(PROVIDERS, { error: `must be one of ${PROVIDERS.join(', ')}` }).default('outbox'),
  SMS_WEBHOOK_URL: optionalVar(urlVar('http', 'https')),
  /** Sent as `Authorization: Bearer …` to the webhook when set. */
  SMS_WEBHOOK_TOKEN: optionalText,
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  /** Overrides Twilio's API host, so tests (and acceptance tests) run against a local fake of its HTTP API. */
  TWILIO_API_BASE: urlVar('http', 'https').default('https://api.twilio.com'),
  SMS_SENDER_ID: z.string().max(20).default('PetPro'),
  /** Texts one phone number may receive from this service per day (0 = no cap): stops runaway bills. */
  SMS_PER_PHONE_PER_DAY: intVar(0, 10_000, { zeroMeans: 'no cap' }).default(10),
  SMS_TIMEOUT_MS: msVar(100, 60_000).default(5_000),
};

export type SmsConfig = z.output<z.ZodObject<typeof smsEnv>> & { PETPRO_DATA_DIR: string };

/** The variables a provider needs, checked at start so a misconfiguration stops start-up, not the first text. */
export function smsConfigProblem(config: SmsConfig): string | undefined {
  if (config.SMS_PROVIDER === 'webhook' && !config.SMS_WEBHOOK_URL)
    return 'SMS_WEBHOOK_URL is required when SMS_PROVIDER=webhook';
  if (config.SMS_PROVIDER === 'twilio' && !(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN))
    return 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required when SMS_PROVIDER=twilio';
  return undefined;
}

/** Counts one text to a phone; throws (e.g. the kit's 429 TooManyRequestsError) past the daily cap. */
export type SmsCap = (phone: string) => Promise<void>;

/**
 * The sender chosen by SMS_PROVIDER:
 * - `outbox` (default): a JSON file per message under PETPRO_DATA_DIR/sms-outbox and a log line
 *   naming the file (never the text, which may hold a code);
 * - `webhook`: POST `{to, text, purpose}` as JSON to SMS_WEBHOOK_URL (a small self-hosted gateway,
 *   or a test's receiver); 2xx is sent, 4xx rejected, anything else unavailable;
 * - `twilio`: Twilio's Messages API (one form POST with basic auth; written by hand because it is one
 *   request, where the `twilio` package is a large dependency for it).
 * `cap`, when given, is consulted before every send (the per-phone daily cap).
 */
export function createSmsSender(config: SmsConfig, log: Logger, cap?: SmsCap): SmsSender {
  const problem = smsConfigProblem(config);
  if (problem) throw new Error(problem);
  const deliver = providerOf(config, log);
  return {
    provider: config.SMS_PROVIDER,
    async send(msg) {
      if (!isE164(msg.to)) throw new SmsRejectedError('The phone number is not in E.164 form');
      if (!msg.text.trim()) throw new SmsRejectedError('The text is empty');
      await cap?.(msg.to);
      return deliver(msg);
    },
  };
}

function providerOf(config: SmsConfig, log: Logger): (msg: SmsMessage) => Promise<{ id: string }> {
  const timeout = () => AbortSignal.timeout(config.SMS_TIMEOUT_MS);
  switch (config.SMS_PROVIDER) {
    case 'outbox': {
      const dir = path.resolve(config.PETPRO_DATA_DIR, 'sms-outbox');
      return async (msg) => {
        const id = randomUUID();
        await fs.mkdir(dir, { recursive: true });
        const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id.slice(0, 8)}.json`);
        const sent = { id, to: msg.to, from: config.SMS_SENDER_ID, purpose: msg.purpose, text: msg.text };
        await fs.writeFile(file, `${JSON.stringify(sent, null, 2)}\n`, { mode: 0o600 });
        log.info({ to: maskPhone(msg.to), purpose: msg.purpose, file }, 'text written to the SMS outbox');
        return { id };
      };
    }
    case 'webhook': {
      const url = config.SMS_WEBHOOK_URL!;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (config.SMS_WEBHOOK_TOKEN) headers.authorization = `Bearer ${config.SMS_WEBHOOK_TOKEN}`;
      return async (msg) => {
        const res = await post(url, {
          headers,
          body: JSON.stringify({ to: msg.to, text: msg.text, purpose: msg.purpose, from: config.SMS_SENDER_ID }),
          signal: timeout(),
        });
        const body = (await res.json().catch(() => ({}))) as { id?: unknown };
        return { id: typeof body.id === 'string' ? body.id : randomUUID() };
      };
    }
    case 'twilio': {
      const sid = config.TWILIO_ACCOUNT_SID!;
      const url =
        `${config.TWILIO_API_BASE.replace(/\/$/, '')}/2010-04-01/Accounts/` +
        `${encodeURIComponent(sid)}/Messages.json`;
      const auth = `Basic ${Buffer.from(`${sid}:${config.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
      return async (msg) => {
        const form = new URLSearchParams({ To: msg.to, From: config.SMS_SENDER_ID, Body: msg.text });
        const res = await post(url, {
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal: timeout(),
        });
        const body = (await res.json().catch(() => ({}))) as { sid?: unknown };
        return { id: typeof body.sid === 'string' ? body.sid : randomUUID() };
      };
    }
  }
}

/** POSTs and sorts failures: unreachable, 5xx and 429 may be retried; other 4xx are the message's fault. */
async function post(url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }) {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', ...init });
  } catch (err) {
    throw new SmsUnavailableError(`SMS provider unreachable: ${(err as Error).message}`);
  }
  if (res.ok) return res;
  await res.body?.cancel().catch(() => {});
  if (res.status === 429 || res.status >= 500) throw new SmsUnavailableError(`SMS provider answered ${res.status}`);
  throw new SmsRejectedError(`SMS provider refused the message (${res.status})`);
}

/** A phone number fit for logs: country code and the last two digits. */
export function maskPhone(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 3)}…${phone.slice(-2)}` : '…';
}
