import http from 'node:http';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MediaStorage } from './s3-storage.ts';
import { sha256Hex, signatureParts } from './sigv4.ts';

/*
 * No real S3 is reachable from the tests. This stand-in speaks just enough of the S3 object API over
 * real HTTP and checks each request's SigV4 signature by recomputing it from what arrived on the wire
 * (method, path, headers, body hash), so a mismatch between what the adapter signs and what it sends
 * fails here. The signing algorithm itself is checked against AWS's published examples in sigv4.test.ts.
 */
const creds = { accessKeyId: 'AKIDTESTEXAMPLE', secretAccessKey: 'test-secret-key/EXAMPLE+0123456789' };
const objects = new Map<string, { body: Buffer; type: string; cacheControl: string }>();
const seen: Array<{ method: string; path: string; signed: string[] }> = [];
let server: http.Server;
let endpoint: string;

function verify(req: http.IncomingMessage, body: Buffer): string | undefined {
  const auth = new RegExp(
    String.raw`^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,` +
      'SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$',
  ).exec(req.headers.authorization ?? '');
  if (!auth) return 'malformed Authorization';
  const [, keyId, , region, signedList, signature] = auth;
  if (keyId !== creds.accessKeyId) return 'unknown key';
  const payloadHash = String(req.headers['x-amz-content-sha256']);
  if (payloadHash !== sha256Hex(body)) return 'body hash mismatch';
  const signed = signedList!.split(';');
  const extra: Record<string, string> = {};
  for (const name of signed)
    if (!['host', 'x-amz-date', 'x-amz-content-sha256'].includes(name)) extra[name] = String(req.headers[name]);
  const stamp = String(req.headers['x-amz-date']);
  const at = new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}` +
      `T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
  const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
  const expected = signatureParts(
    { method: req.method!, host: String(req.headers.host), path, headers: extra, payloadHash },
    creds,
    region!,
    's3',
    at,
  );
  seen.push({ method: req.method!, path, signed });
  return expected.signature === signature ? undefined : 'SignatureDoesNotMatch';
}

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const problem = verify(req, body);
    if (problem) {
      res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end(`<Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>`);
      return;
    }
    const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    if (req.method === 'PUT') {
      objects.set(key, {
        body,
        type: String(req.headers['content-type']),
        cacheControl: String(req.headers['cache-control']),
      });
      res.writeHead(200).end();
    } else if (req.method === 'GET') {
      const o = objects.get(key);
      if (!o) res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      else res.writeHead(200, { 'content-type': o.type, 'content-length': o.body.length }).end(o.body);
    } else if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204).end();
    } else res.writeHead(405).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const key = 'pets/0190a5e2-7c1b-7def-8a00-1234567890ab-256.webp';

describe('S3MediaStorage over signed HTTP', () => {
  it('puts, gets and deletes an object (path-style, with a key prefix)', async () => {
    const s3 = new S3MediaStorage({
      endpoint,
      bucket: 'petpro-media',
      region: 'ap-southeast-3',
      credentials: creds,
      forcePathStyle: true,
      prefix: 'user/',
    });
    await s3.put(key, Buffer.from('webp-bytes'), 'image/webp');
    const stored = objects.get(`/petpro-media/user/${key}`);
    expect(stored?.body.toString()).toBe('webp-bytes');
    expect(stored?.type).toBe('image/webp');
    expect(stored?.cacheControl).toContain('immutable');
    expect(seen.at(-1)?.signed).toEqual([
      'cache-control',
      'content-type',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
    ]);

    const got = await s3.get(key);
    expect(got?.size).toBe(10);
    expect(await text(got!.stream)).toBe('webp-bytes');

    await s3.delete(key);
    expect(objects.has(`/petpro-media/user/${key}`)).toBe(false);
    expect(await s3.get(key)).toBeUndefined();
    await s3.delete(key); // deleting a missing object is fine
  });

  it('signs a session token when one is configured', async () => {
    const s3 = new S3MediaStorage({
      endpoint,
      bucket: 'b-with-token',
      region: 'us-east-1',
      credentials: { ...creds, sessionToken: 'session-token-xyz' },
      forcePathStyle: true,
    });
    await s3.put(key, Buffer.from('x'), 'image/webp');
    expect(seen.at(-1)?.signed).toContain('x-amz-security-token');
  });

  it('reports a refused request with the S3 error code', async () => {
    const s3 = new S3MediaStorage({
      endpoint,
      bucket: 'petpro-media',
      region: 'us-east-1',
      credentials: { ...creds, secretAccessKey: 'wrong' },
      forcePathStyle: true,
    });
    await expect(s3.put(key, Buffer.from('x'), 'image/webp')).rejects.toThrow(/403 SignatureDoesNotMatch/);
  });

  it('refuses keys the service would never generate', async () => {
    const s3 = new S3MediaStorage({
      endpoint,
      bucket: 'petpro-media',
      region: 'us-east-1',
      credentials: creds,
      forcePathStyle: true,
    });
    await expect(s3.get('../etc/passwd')).rejects.toThrow(/not a media key/);
  });
});
