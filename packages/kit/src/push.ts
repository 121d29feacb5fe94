import { createECDH, createHash } from 'node:crypto';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import webpush from 'web-push';
import { z } from 'zod';
import { boolVar, ConfigError, intVar, msVar, optionalVar, parseConfig } from './config.ts';
import { parseIp } from './ip.ts';
import type { Logger } from './log.ts';
import {
  type ChannelSender,
  type NotificationMessage,
  PermanentNotificationError,
  RetryableNotificationError,
} from './notifications.ts';

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291): the
 * `web-push` package builds each request (encryption, VAPID JWT); it is sent here with undici so
 * that the SSRF guard below applies to the connection itself (the address DNS gives at connect time,
 * not only the name the client supplied) and the timeout is ours.
 */

const B64URL = /^[A-Za-z0-9_-]+$/;
const b64urlBytes = (v: string): Buffer | undefined => (B64URL.test(v) ? Buffer.from(v, 'base64url') : undefined);

/**
 * Push settings, spread into the configuration of the services that subscribe (user) or send
 * (booking). VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY are the application server's P-256 key pair in
 * base64url (`npx web-push generate-vapid-keys`); `npm start` generates one into the data folder when
 * they are not set. PUSH_ALLOW_LOCAL_ENDPOINTS is for tests only: it lets subscriptions point at
 * http:// and loopback/private addresses (a local push service); refused when NODE_ENV=production.
 */
export const pushEnv = {
  VAPID_PUBLIC_KEY: optionalVar(
    z.string().refine((v) => b64urlBytes(v)?.length === 65, 'must be a base64url P-256 public key (65 bytes)'),
  ),
  VAPID_PRIVATE_KEY: optionalVar(
    z.string().refine((v) => b64urlBytes(v)?.length === 32, 'must be a base64url P-256 private key (32 bytes)'),
  ),
  /** Who runs this application server, for push services to contact: `mailto:` or an https URL. */
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'must be mailto:address or an https URL')
    .default('mailto:no-reply@petpro.local'),
  PUSH_ALLOW_LOCAL_ENDPOINTS: boolVar().default(false),
  PUSH_TIMEOUT_MS: msVar(100, 60_000).default(10_000),
  /** How long a push service keeps a message for an offline device. */
  PUSH_TTL_SECONDS: intVar(0, 2_419_200).default(86_400),
};

export type PushConfig = z.output<z.ZodObject<typeof pushEnv>> & { NODE_ENV: string };

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** The VAPID keys when both are set (undefined when neither is: push is then off); one alone is a start-up error. */
export function vapidKeysOf(config: PushConfig): VapidKeys | undefined {
  if (config.PUSH_ALLOW_LOCAL_ENDPOINTS && config.NODE_ENV === 'production')
    throw new ConfigError(
      'Configuration error: PUSH_ALLOW_LOCAL_ENDPOINTS is for tests and cannot be set in production',
    );
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = config;
  if (!publicKey && !privateKey) return undefined;
  if (!publicKey || !privateKey)
    throw new ConfigError('Configuration error: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together or not at all');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  if (!ecdh.getPublicKey().equals(Buffer.from(publicKey, 'base64url')))
    throw new ConfigError('Configuration error: VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY');
  return { publicKey, privateKey, subject: config.VAPID_SUBJECT };
}

/** The push settings of a service (`vapid` undefined: push is off), read once at start. */
export function parsePushConfig(env: NodeJS.ProcessEnv, base: { NODE_ENV: string }) {
  const config: PushConfig = { ...parseConfig(pushEnv, env), NODE_ENV: base.NODE_ENV };
  return { ...config, vapid: vapidKeysOf(config) };
}

/** A new VAPID key pair (base64url), e.g. for `npm start` to keep in the data folder. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}

/** True for an address a push service never has: loopback, private, link-local, multicast, reserved. */
function isPrivateAddress(text: string): boolean {
  const ip = parseIp(text);
  return ip === undefined || ip.range() !== 'unicast';
}

/**
 * Why a subscription endpoint is refused, or undefined: it must be an https URL without credentials
 * whose host is a name or a public address (`allowLocal`, tests only: http and loopback too).
 */
export function pushEndpointProblem(endpoint: string, allowLocal: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'https:' && !(allowLocal && url.protocol === 'http:')) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (allowLocal) return undefined;
  // `localhost.` is `localhost`: the trailing dot of a fully qualified name goes before the checks.
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local'))
    return 'must be a public push service';
  if (parseIp(host) && isPrivateAddress(host)) return 'must be a public push service';
  if (!host.includes('.') && !parseIp(host)) return 'must be a public push service';
  return undefined;
}

/** Why the browser's keys are refused, or undefined: `p256dh` a P-256 point (65 bytes), `auth` 16 bytes. */
export function pushKeysProblem(keys: {
  p256dh: string;
  auth: string;
}): { field: string; message: string } | undefined {
  const p256dh = b64urlBytes(keys.p256dh);
  if (p256dh?.length !== 65 || p256dh[0] !== 4)
    return { field: 'keys.p256dh', message: 'must be a base64url uncompressed P-256 public key (65 bytes)' };
  try {
    const probe = createECDH('prime256v1');
    probe.generateKeys();
    probe.computeSecret(p256dh); // throws unless the point is on the curve
  } catch {
    return { field: 'keys.p256dh', message: 'is not a point on the P-256 curve' };
  }
  if (b64urlBytes(keys.auth)?.length !== 16) return { field: 'keys.auth', message: 'must be 16 bytes in base64url' };
  return undefined;
}

/** A device to push to, as the browser's PushSubscription gives it. */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What the push service answered for one device. */
export type PushOutcome = 'sent' | 'gone';

/** Sends one encrypted payload to one device. */
export interface WebPushDelivery {
  readonly publicKey: string;
  /**
   * Resolves `sent` (2xx) or `gone` (404/410: the subscription expired, remove it); throws
   * PermanentNotificationError for other 4xx and a refused endpoint, RetryableNotificationError for 429,
   * 5xx, timeouts and network errors.
   */
  deliver(
    target: PushTarget,
    payload: object,
    opts: { topic?: string; urgency?: 'normal' | 'high' },
  ): Promise<PushOutcome>;
  close(): Promise<void>;
}

/** A DNS lookup that fails for names resolving to a private address, so no push request reaches the inside. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad || !list.length) {
      const e = Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPUSHPRIVATE' });
      return callback(e, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

/**
 * The Web Push sender over VAPID keys; undici's Agent with the public-only lookup unless local
 * endpoints are allowed.
 */
export function createWebPushDelivery(config: PushConfig, vapid: VapidKeys): WebPushDelivery {
  const allowLocal = config.PUSH_ALLOW_LOCAL_ENDPOINTS;
  const agent = new Agent({
    connect: allowLocal ? {} : { lookup: publicOnlyLookup },
    connections: 16,
  });
  return {
    publicKey: vapid.publicKey,
    async deliver(target, payload, opts) {
      const problem = pushEndpointProblem(target.endpoint, allowLocal);
      if (problem) throw new PermanentNotificationError('endpoint_refused', `The push endpoint ${problem}`);
      const details = webpush.generateRequestDetails(target, JSON.stringify(payload), {
        vapidDetails: vapid,
        TTL: config.PUSH_TTL_SECONDS,
        contentEncoding: 'aes128gcm',
        urgency: opts.urgency ?? 'normal',
        ...(opts.topic ? { topic: opts.topic } : {}),
      });
      let status: number;
      let retryAfter: string | string[] | undefined;
      try {
        const res = await request(details.endpoint, {
          method: 'POST',
          headers: details.headers as Record<string, string>,
          body: details.body ?? undefined,
          dispatcher: agent,
          signal: AbortSignal.timeout(config.PUSH_TIMEOUT_MS),
        });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        await res.body.dump();
      } catch (err) {
        const code =
          (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
        if (code === 'EPUSHPRIVATE')
          throw new PermanentNotificationError('endpoint_refused', 'The push endpoint resolves to a private address');
        throw new RetryableNotificationError(
          'push_unreachable',
          `The push service could not be reached (${code ?? err})`,
        );
      }
      if (status >= 200 && status < 300) return 'sent';
      if (status === 404 || status === 410) return 'gone';
      if (status === 429 || status >= 500) {
        const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
        throw new RetryableNotificationError(
          'push_unavailable',
          `The push service answered ${status}`,
          Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000 : undefined,
        );
      }
      throw new PermanentNotificationError('push_rejected', `The push service refused the message (${status})`);
    },
    close: () => agent.close(),
  };
}

/** Where the push channel finds a user's devices and forgets expired ones (the user service, over its internal API). */
export interface PushSubscriptionSource {
  listForUser(userId: string): Promise<Array<PushTarget & { id: string }>>;
  remove(userId: string, subscriptionId: string): Promise<void>;
}

/**
 * A push service keeps one undelivered message per topic: a retried delivery replaces, not repeats
 * (32 base64url chars).
 */
export function pushTopicOf(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 32);
}

/** The JSON a service worker receives (`event.data.json()`); `tag` lets it replace rather than stack a repeat. */
export function pushPayloadOf(message: NotificationMessage, idempotencyKey: string) {
  return {
    title: message.subject,
    body: message.shortText,
    url: message.link,
    purpose: message.purpose,
    tag: pushTopicOf(idempotencyKey),
    data: message.data ?? {},
  };
}

/**
 * The `push` channel: the message to every device of the user; a device whose subscription is gone
 * (404/410) is removed. Sent when at least one device took it; permanent when the user has no
 * device left; retryable when every device failed for a reason that may pass.
 */
export function pushChannel(deps: {
  subscriptions: PushSubscriptionSource;
  delivery: WebPushDelivery;
  log: Logger;
}): ChannelSender {
  return {
    channel: 'push',
    async send(recipient, message, { idempotencyKey }) {
      const devices = await deps.subscriptions.listForUser(recipient.userId);
      if (!devices.length) throw new PermanentNotificationError('no_push_subscription', 'The user has no push device');
      const payload = pushPayloadOf(message, idempotencyKey);
      const topic = payload.tag;
      let sent = 0;
      let retryable: RetryableNotificationError | undefined;
      for (const device of devices) {
        try {
          const outcome = await deps.delivery.deliver(device, payload, { topic });
          if (outcome === 'sent') sent++;
          else {
            await deps.subscriptions.remove(recipient.userId, device.id);
            deps.log.info({ subscriptionId: device.id }, 'expired push subscription removed');
          }
        } catch (err) {
          if (err instanceof RetryableNotificationError) retryable = err;
          deps.log.warn({ subscriptionId: device.id, err: (err as Error).message }, 'push delivery failed');
        }
      }
      if (sent) return { id: `push:${topic}:${sent}` };
      if (retryable) throw retryable;
      throw new PermanentNotificationError('no_push_subscription', 'No push device of the user accepted the message');
    },
  };
}
