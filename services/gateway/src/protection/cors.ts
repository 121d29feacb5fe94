import type { RequestHandler } from 'express';
import { ForbiddenError } from '@petpro/kit';

export interface CorsOptions {
  /** Canonical origins, or `['*']` for any origin (then never with credentials). */
  origins: string[];
  methods: string[];
  headers: string[];
  exposeHeaders: string[];
  credentials: boolean;
  maxAgeSeconds: number;
}

/**
 * CORS answered by the gateway: a preflight from an allowed origin gets 204 with the allowed
 * methods and headers (the browser enforces them); one from any other origin gets 403 problem+json
 * `cors_origin_denied`. Normal requests from an allowed origin get the CORS response headers; from
 * another origin they get none, so the browser does not hand the response to the page.
 * `Access-Control-Allow-Credentials` is sent only for explicitly listed origins, never with `*`.
 */
export function cors(opts: CorsOptions): RequestHandler {
  const anyOrigin = opts.origins.includes('*');
  const allowed = new Set(opts.origins.map((o) => o.toLowerCase()));
  const credentials = opts.credentials && !anyOrigin;
  const methods = opts.methods.map((m) => m.toUpperCase()).join(', ');
  const headers = opts.headers.join(', ');
  const expose = opts.exposeHeaders.join(', ');

  return (req, res, next) => {
    const origin = req.headers.origin;
    const isPreflight =
      req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    // The answer depends on Origin whenever origins are listed one by one: caches must key on it.
    if (!anyOrigin) res.vary('Origin');
    if (origin === undefined) return next();
    const ok = anyOrigin || allowed.has(origin.toLowerCase());
    if (!ok) {
      if (isPreflight)
        return next(new ForbiddenError('cors_origin_denied', 'This origin may not call the PetPro API from a browser'));
      return next();
    }
    res.setHeader('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (!isPreflight) {
      if (expose) res.setHeader('Access-Control-Expose-Headers', expose);
      return next();
    }
    res.setHeader('Access-Control-Allow-Methods', methods);
    if (headers) res.setHeader('Access-Control-Allow-Headers', headers);
    res.setHeader('Access-Control-Max-Age', String(opts.maxAgeSeconds));
    res.vary('Access-Control-Request-Method').vary('Access-Control-Request-Headers');
    res.status(204).end();
  };
}
