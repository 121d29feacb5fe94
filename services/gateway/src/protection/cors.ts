import type { IncomingMessage } from 'node:http';
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

export interface CorsVerdict {
  /** Response headers to add (flat list). */
  headers: string[];
  /** A preflight from an allowed origin: answer 204 with `headers` and stop. */
  preflight?: boolean;
  /** A preflight from another origin: 403. */
  denied?: ForbiddenError;
}

/**
 * CORS answered by the gateway: a preflight from an allowed origin gets 204 with the allowed
 * methods and headers (the browser enforces them); one from any other origin gets 403 problem+json
 * `cors_origin_denied`. Normal requests from an allowed origin get the CORS response headers; from
 * another origin they get none, so the browser does not hand the response to the page.
 * `Access-Control-Allow-Credentials` is sent only for explicitly listed origins, never with `*`.
 */
export function cors(opts: CorsOptions): (req: IncomingMessage) => CorsVerdict {
  const anyOrigin = opts.origins.includes('*');
  const allowed = new Set(opts.origins.map((o) => o.toLowerCase()));
  const credentials = opts.credentials && !anyOrigin;
  const methods = opts.methods.map((m) => m.toUpperCase()).join(', ');
  const headers = opts.headers.join(', ');
  const expose = opts.exposeHeaders.join(', ');
  // The answer depends on Origin whenever origins are listed one by one: caches must key on it.
  const vary = anyOrigin ? [] : ['vary', 'Origin'];
  const none: CorsVerdict = { headers: vary };

  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return none;
    const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    const ok = anyOrigin || allowed.has(origin.toLowerCase());
    if (!ok) {
      if (isPreflight)
        return {
          headers: vary,
          denied: new ForbiddenError('cors_origin_denied', 'This origin may not call the PetPro API from a browser'),
        };
      return none;
    }
    const out = [...vary, 'access-control-allow-origin', anyOrigin ? '*' : origin];
    if (credentials) out.push('access-control-allow-credentials', 'true');
    if (!isPreflight) {
      if (expose) out.push('access-control-expose-headers', expose);
      return { headers: out };
    }
    if (!anyOrigin) out[1] = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
    else out.push('vary', 'Access-Control-Request-Method, Access-Control-Request-Headers');
    out.push('access-control-allow-methods', methods, 'access-control-max-age', String(opts.maxAgeSeconds));
    if (headers) out.push('access-control-allow-headers', headers);
    return { headers: out, preflight: true };
  };
}
