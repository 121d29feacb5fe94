import type { RequestHandler } from 'express';
import { normalisePath } from './normalise-path.ts';
import { matchRoute, type RouteRule } from './route-table.ts';

/** What the gateway knows about a request's path once, for every later step (limits, body size, proxy). */
export interface RouteContext {
  /** The normalised path (see normalise-path.ts); undefined when the path cannot be decoded. */
  normalised?: string;
  /** Lower-cased normalised path: what rules and limits match on. */
  key?: string;
  rule?: RouteRule;
}

declare module 'express-serve-static-core' {
  interface Request {
    gatewayRoute?: RouteContext;
  }
}

/** The route context of a raw URL. */
export function routeContextOf(url: string): RouteContext {
  const normalised = normalisePath(url.split('?')[0] ?? '/');
  if (normalised === undefined) return {};
  const key = normalised.toLowerCase();
  return { normalised, key, rule: matchRoute(key) };
}

/** Sets `req.gatewayRoute` from the original URL. */
export function routeContext(): RequestHandler {
  return (req, _res, next) => {
    req.gatewayRoute = routeContextOf(req.originalUrl);
    next();
  };
}
