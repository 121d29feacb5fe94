import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { assertMediaKey, type MediaStorage, type StoredObject } from './storage.ts';
import { EMPTY_SHA256, encodePath, sha256Hex, signRequest, type AwsCredentials } from './sigv4.ts';

export interface S3Options {
  /** e.g. `https://s3.ap-southeast-3.amazonaws.com`, `http://127.0.0.1:9000` (MinIO), an R2 or Spaces endpoint. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: AwsCredentials;
  /** `https://endpoint/bucket/key` (MinIO and most compatibles) rather than `https://bucket.endpoint/key`. */
  forcePathStyle: boolean;
  /** Prepended to every key, e.g. `user/`. */
  prefix?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Media files in an S3-compatible bucket, over plain HTTPS requests signed with SigV4. */
export class S3MediaStorage implements MediaStorage {
  readonly name = 's3';
  private readonly endpoint: URL;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: S3Options) {
    this.endpoint = new URL(opts.endpoint);
    this.fetch = opts.fetch ?? fetch;
  }

  private target(key: string): { host: string; path: string; origin: string } {
    assertMediaKey(key);
    const base = this.endpoint.pathname.replace(/\/$/, '');
    const objectKey = `${this.opts.prefix ?? ''}${key}`;
    if (this.opts.forcePathStyle) {
      return {
        host: this.endpoint.host,
        path: `${base}/${this.opts.bucket}/${objectKey}`,
        origin: `${this.endpoint.protocol}//${this.endpoint.host}`,
      };
    }
    const host = `${this.opts.bucket}.${this.endpoint.host}`;
    return { host, path: `${base}/${objectKey}`, origin: `${this.endpoint.protocol}//${host}` };
  }

  private async send(
    method: string,
    key: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const t = this.target(key);
    const payloadHash = init.body ? sha256Hex(init.body) : EMPTY_SHA256;
    const headers = signRequest(
      { method, host: t.host, path: t.path, headers: init.headers, payloadHash },
      this.opts.credentials,
      this.opts.region,
    );
    // fetch sets Host itself (from the URL, which matches the signed one).
    delete headers.host;
    return this.fetch(`${t.origin}${encodePath(t.path)}`, {
      method,
      headers,
      // A copy on its own ArrayBuffer: fetch's typings refuse a Buffer over a possibly shared one (images are small).
      body: init.body ? new Uint8Array(init.body) : undefined,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
  }

  private async fail(op: string, key: string, res: Response): Promise<never> {
    const text = await res.text().catch(() => '');
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    throw new Error(`S3 ${op} ${key} failed: ${res.status}${code ? ` ${code}` : ''}`);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const res = await this.send('PUT', key, {
      body,
      // Names are never reused, so whoever serves the object (us or a CDN in front of the bucket) may cache it forever.
      headers: { 'content-type': contentType, 'cache-control': 'public, max-age=31536000, immutable' },
    });
    if (!res.ok) await this.fail('PUT', key, res);
    await res.body?.cancel();
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const res = await this.send('GET', key);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok || !res.body) return this.fail('GET', key, res);
    const length = res.headers.get('content-length');
    return {
      stream: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      size: length === null ? undefined : Number(length),
      contentType: res.headers.get('content-type') ?? 'image/webp',
    };
  }

  async delete(key: string): Promise<void> {
    const res = await this.send('DELETE', key);
    // S3 answers 204 whether or not the object existed; some compatibles answer 404 for a missing one.
    if (!res.ok && res.status !== 404) await this.fail('DELETE', key, res);
    await res.body?.cancel();
  }
}
