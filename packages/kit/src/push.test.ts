import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import {
  generateVapidKeys,
  parsePushConfig,
  publicOnlyLookup,
  pushEndpointProblem,
  pushKeysProblem,
  pushTopicOf,
} from './push.ts';

const browserKeys = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
};

describe('push endpoints', () => {
  it('accept https push services and refuse anything pointing inside or not https', () => {
    expect(pushEndpointProblem('https://fcm.googleapis.com/fcm/send/abc', false)).toBeUndefined();
    expect(pushEndpointProblem('https://updates.push.services.mozilla.com/wpush/v2/x', false)).toBeUndefined();
    expect(pushEndpointProblem('https://8.8.8.8/x', false)).toBeUndefined();
    for (const bad of [
      'http://fcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://127.1/x',
      'https://0.0.0.0/x',
      'https://192.168.1.1/x',
      'https://100.64.0.1/x',
      'https://[::1]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://localhost/x',
      'https://localhost./x',
      'https://LOCALHOST/x',
      'https://push.localhost/x',
      'https://db.internal/x',
      'https://printer.local/x',
      'https://intranet/x',
      'https://a:b@fcm.googleapis.com/x',
      'javascript:alert(1)',
    ])
      expect(pushEndpointProblem(bad, false), bad).toBeDefined();
  });

  it('allow http and loopback only with the test setting', () => {
    expect(pushEndpointProblem('http://127.0.0.1:9999/push/1', true)).toBeUndefined();
    expect(pushEndpointProblem('ftp://127.0.0.1/x', true)).toBeDefined();
  });
});

describe('the sender’s DNS guard', () => {
  it('fails a name that resolves to a loopback address (what a re-pointed name would do)', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe('EPUSHPRIVATE');
  });
});

describe('push keys', () => {
  it('accept a browser’s keys and refuse anything else', () => {
    expect(pushKeysProblem(browserKeys())).toBeUndefined();
    const k = browserKeys();
    expect(pushKeysProblem({ ...k, p256dh: Buffer.alloc(65, 4).toString('base64url') })?.field).toBe('keys.p256dh');
    expect(pushKeysProblem({ ...k, p256dh: Buffer.alloc(33, 2).toString('base64url') })?.field).toBe('keys.p256dh');
    expect(pushKeysProblem({ ...k, auth: randomBytes(12).toString('base64url') })?.field).toBe('keys.auth');
  });

  it('make a 32-character topic per delivery key', () => {
    expect(pushTopicOf('a')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pushTopicOf('a')).toBe(pushTopicOf('a'));
    expect(pushTopicOf('a')).not.toBe(pushTopicOf('b'));
  });
});

describe('push configuration', () => {
  const keys = generateVapidKeys();
  const env = { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };

  it('is off without keys and on with a matching pair', () => {
    expect(parsePushConfig({}, { NODE_ENV: 'production' }).vapid).toBeUndefined();
    expect(parsePushConfig(env, { NODE_ENV: 'production' }).vapid).toMatchObject({ publicKey: keys.publicKey });
  });

  it('stops start-up on half a pair, a mismatched pair, or the test-only setting in production', () => {
    const other = generateVapidKeys();
    for (const bad of [
      { VAPID_PUBLIC_KEY: keys.publicKey },
      { ...env, VAPID_PUBLIC_KEY: other.publicKey },
      { ...env, PUSH_ALLOW_LOCAL_ENDPOINTS: 'true' },
    ])
      expect(() => parsePushConfig(bad, { NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => parsePushConfig({ ...env, VAPID_SUBJECT: 'http://x' }, { NODE_ENV: 'test' })).toThrow(ConfigError);
  });
});
