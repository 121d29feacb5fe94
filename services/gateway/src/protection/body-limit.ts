import type { Request, RequestHandler } from 'express';
import { PayloadTooLargeError } from '@petpro/kit';

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
export function bodyLimitFor(req: Request, limits: BodyLimits): number {
  const multipart = /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
  return multipart && req.gatewayRoute?.rule?.bodyClass === 'upload' ? limits.upload : limits.json;
}

/** The 413 for a body over its limit; the connection is closed so the unread rest is never parsed as a request. */
export function bodyTooLarge(
  res: { setHeader(name: string, value: string): unknown },
  limit: number,
): PayloadTooLargeError {
  res.setHeader('Connection', 'close');
  return new PayloadTooLargeError(`The request body is larger than the ${limit} bytes allowed here`);
}

/**
 * Refuses a declared Content-Length over the limit before a byte of the body is read. Bodies
 * without a length (chunked) are counted as they stream through the proxy.
 */
export function contentLengthGuard(limits: BodyLimits): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared === undefined) return next();
    const limit = bodyLimitFor(req, limits);
    if (Number(declared) > limit) return next(bodyTooLarge(res, limit));
    next();
  };
}
