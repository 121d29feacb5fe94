/**
 * A local Web Push service for tests: a node:http server standing in for FCM / Mozilla autopush. It
 * checks each request as a real push service does (the VAPID JWT of RFC 8292, signed by the key in
 * `k=`, audience = its own origin, not expired) and, holding the browser side's private keys,
 * decrypts the aes128gcm payload (RFC 8291 / RFC 8188) so a test sees exactly what the browser's
 * service worker would. The decryption is written here with node:crypto: no maintained package
 * does the receiving side (web-push only encrypts).
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';

/** A browser's subscription: its keys as `PushSubscription.toJSON()` gives them, and the private half. */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

export interface ReceivedPush {
  path: string;
  /** The decrypted payload, parsed as JSON. */
  payload: Record<string, unknown>;
  claims: JWTPayload;
  vapidKey: string;
  ttl: string | undefined;
  topic: string | undefined;
}

/** Decrypts an aes128gcm body (one record, as Web Push sends) with the browser's keys. */
export function decryptAes128gcm(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const senderPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const shared = ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02 then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing the last-record delimiter');
  return padded.subarray(0, end);
}

async function verifyVapid(authorization: string | undefined, audience: string) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`no VAPID authorization: ${authorization}`);
  const [, token, k] = m as unknown as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const { payload } = await jwtVerify(token, key, { algorithms: ['ES256'], audience });
  if (!payload.exp || payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error('VAPID JWT expiry over 24 h');
  return { claims: payload, vapidKey: k };
}

/** Starts the local push service on a free loopback port. */
export async function startPushService() {
  const devices = new Map<string, BrowserSubscription>();
  const statusOf = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const rejected: Array<{ path: string; reason: string }> = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      try {
        const device = devices.get(path);
        if (!device) throw new Error('unknown subscription');
        if (req.method !== 'POST' || req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        const { claims, vapidKey } = await verifyVapid(req.headers.authorization, origin);
        const status = statusOf.get(path) ?? 201;
        if (status === 201) {
          const plain = decryptAes128gcm(Buffer.concat(chunks), device.ecdh, device.authSecret);
          received.push({
            path,
            payload: JSON.parse(plain.toString('utf8')),
            claims,
            vapidKey,
            ttl: req.headers.ttl as string | undefined,
            topic: req.headers.topic as string | undefined,
          });
        }
        res.writeHead(status).end();
      } catch (err) {
        rejected.push({ path, reason: (err as Error).message });
        res.writeHead(400).end((err as Error).message);
      }
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    rejected,
    /** A new browser subscription on this push service (its keys freshly made, as a browser does). */
    subscribe(): BrowserSubscription {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const path = `/push/${randomBytes(12).toString('hex')}`;
      const sub = {
        endpoint: `${origin}${path}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        ecdh,
        authSecret,
      };
      devices.set(path, sub);
      return sub;
    },
    /** What the push service answers for a subscription from now on (410: unsubscribed). */
    answer(sub: BrowserSubscription, status: number) {
      statusOf.set(new URL(sub.endpoint).pathname, status);
    },
    /** The payloads a subscription received. */
    receivedBy(sub: BrowserSubscription): ReceivedPush[] {
      return received.filter((r) => r.path === new URL(sub.endpoint).pathname);
    },
    /** Resolves at the next request (any outcome). */
    nextRequest(): Promise<void> {
      return new Promise((r) => waiters.push(r));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type LocalPushService = Awaited<ReturnType<typeof startPushService>>;

/** The JSON a client posts to /api/v1/users/me/push-subscriptions. */
export function subscriptionJson(sub: BrowserSubscription) {
  return { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys };
}
