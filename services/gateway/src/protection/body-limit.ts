import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '@petpro/kit';
import type { RouteRule } from '../routing/route-table.ts';

export interface BodyLimits {
  /** Bytes for JSON (and any non-upload) bodies. */
  json: number;
  /** Bytes for multipart uploads on routes of body class `upload`. */
  upload: number;
}

/**
 * The body size a request may send: the upload limit only for multipart bodies on upload routes
 * (avatars, pet photos, onboarding documents), the JSON limit for everything else, including JSON
 * bodies on those same routes.
 */
export function bodyLimitFor(req: IncomingMessage, rule: RouteRule | undefined, limits: BodyLimits): number {
  if (rule?.bodyClass !== 'upload') return limits.json;
  const type = req.headers['content-type'];
  return type !== undefined && /^multipart\/form-data\b/i.test(type) ? limits.upload : limits.json;
}

/** The 413 for a body over its limit. */
export function bodyTooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than the ${limit} bytes allowed here`);
}

/** True when a declared Content-Length is over the limit (bodies without one are counted as they stream). */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > limit;
}
