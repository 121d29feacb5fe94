import type http from 'node:http';
import {
  type AccessTokenVerifier,
  AppError,
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  type Logger,
  requestIdOf,
  toAppError,
} from '@petpro/kit';
import type { Counter, Histogram } from 'prom-client';
import { drainThenAnswer, SECURITY_HEADERS, writeProblem } from './proxy/answer.ts';
import { BODYLESS_METHODS, framingProblem, hasBody } from './proxy/framing.ts';
import type { UpstreamProxy } from './proxy/proxy.ts';
import { bodyLimitFor, bodyTooLarge, declaredTooLarge } from './protection/body-limit.ts';
import type { ClientIdentity } from './protection/client-ip.ts';
import { identifyClient } from './protection/client-ip.ts';
import { IpBlockedError } from './protection/ip-blocks.service.ts';
import { InFlightLimiter } from './protection/load-shedding.ts';
import type { Protection } from './protection/protection.ts';
import { forwardPath, normalisePath } from './routing/normalise-path.ts';
import { accessRecorder, Exchange } from './access-log.ts';
import { accessFor, matchRoute } from './routing/route-table.ts';
import { ANONYMOUS, authorize, identify, type Identity } from './security/access.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller as the front door identified it (the gateway's own admin routes read it). */
    gatewayIdentity?: Identity;
  }
}

/** Paths answered before shedding and limits, so probes keep working under load (and are not logged at info). */
const PROBES = new Set(['/healthz', '/readyz']);

export interface FrontDoorDeps {
  log: Logger;
  protection: Protection;
  proxy: UpstreamProxy;
  verifier: AccessTokenVerifier;
  /** The gateway's own routes (health, docs, OpenAPI, admin) on Express. */
  own: http.RequestListener;
  requests: Counter;
  latency: Histogram;
}

/**
 * The public port's request handler: the gateway's hot path, on node:http without Express. In
 * order: framing (ambiguous → 400 and close), client IP and IP blocks, CORS, routing on the
 * normalised path (precompiled), probes, the in-flight cap, the body policy and size, the caller's
 * token, rate limits, the route's access rule, the service's in-flight share, the proxy. One
 * access-log line is written when the answer ends. Express answers only the gateway's own routes.
 */
export function createFrontDoor(deps: FrontDoorDeps): http.RequestListener {
  const { log, protection, proxy, verifier, own } = deps;
  const { inFlight, blocks, limits, trusted, bodyLimits } = protection;
  const done = accessRecorder({ log, protection, requests: deps.requests, latency: deps.latency });

  const fail = (ex: Exchange, req: http.IncomingMessage, res: http.ServerResponse, err: unknown) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500 && !(err instanceof AppError)) log.error({ err, reqId: ex.requestId }, 'unhandled error');
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    // A body over its limit, or refused, is read to its end (bounded) before the answer: see drainThenAnswer.
    if (appErr.status === 413 || appErr.code === 'body_not_allowed')
      drainThenAnswer(req, () => writeProblem(res, appErr, ex.requestId, ex.headers, true));
    else writeProblem(res, appErr, ex.requestId, ex.headers);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, ex: Exchange): Promise<void> => {
    // 1. Framing: never forwarded, and the connection is not trusted for another request.
    const framing = framingProblem(req);
    if (framing) {
      writeProblem(res, new BadRequestError('invalid_framing', framing), ex.requestId, ex.headers, true);
      return;
    }
    // 2. Client IP, then IP blocks before any other work.
    const client = identifyClient(req, trusted);
    if (!client) {
      res.destroy();
      return;
    }
    ex.client = client;
    const verdict = blocks.check(client.addr);
    if (verdict) throw new IpBlockedError(verdict);
    // 3. CORS (preflights answered here).
    const corsVerdict = protection.cors(req);
    if (corsVerdict.headers.length) ex.headers.push(...corsVerdict.headers);
    if (corsVerdict.denied) throw corsVerdict.denied;
    if (corsVerdict.preflight) {
      res.writeHead(204, [...SECURITY_HEADERS, ...ex.headers, 'x-request-id', ex.requestId]).end();
      return;
    }
    // 4. Routing on the normalised path.
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const normalised = normalisePath(q < 0 ? url : url.slice(0, q));
    if (normalised === undefined) throw new NotFoundError('route_not_found', 'This path is not valid');
    const key = normalised.toLowerCase();
    if (PROBES.has(key)) {
      ex.probe = true;
      return ownRoute(req, res, ex);
    }
    const rule = matchRoute(key);
    ex.rule = rule;
    // 5. The in-flight cap: every other public request.
    if (!inFlight.enter()) throw InFlightLimiter.overloaded();
    ex.holdsSlot = true;
    // 6. Body policy and declared size, before a byte of the body is read.
    const withBody = hasBody(req);
    if (withBody && BODYLESS_METHODS.has(req.method ?? 'GET'))
      throw new BadRequestError('body_not_allowed', `A ${req.method} request may not carry a body`);
    const bodyLimit = bodyLimitFor(req, rule, bodyLimits);
    if (withBody && declaredTooLarge(req, bodyLimit)) throw bodyTooLarge(bodyLimit);
    // 7. The caller (a valid token makes the caller a user for the limits), then the limits.
    const identity = req.headers.authorization === undefined ? ANONYMOUS : await identify(req, verifier);
    if (!blocks.isAllowlisted(client.addr)) {
      const pending = limits.consume({
        clientKey: client.key,
        userId: identity.principal?.userId,
        limitClass: rule?.limitClass,
      });
      // In memory the counters answer at once; only Redis makes it a promise.
      const limited = pending instanceof Promise ? await pending : pending;
      if (limited.headers.length) ex.headers.push(...limited.headers);
      if (limited.refusal) throw limited.refusal;
    }
    if (!rule) throw new NotFoundError('route_not_found', `No route for ${req.method} ${normalised}`);
    // 8. The route's access rule; the gateway's own routes go to Express.
    authorize(identity, accessFor(rule, req.method ?? 'GET'));
    if (rule.service === 'gateway') return ownRoute(req, res, ex, identity);
    const service = rule.service;
    ex.upstream = service;
    if (!inFlight.enterService(service)) throw InFlightLimiter.overloaded(service);
    ex.holdsServiceSlot = true;
    try {
      await proxy.forward(req, res, {
        service,
        path: forwardPath(normalised, rule.prefix) + (q < 0 ? '' : url.slice(q)),
        requestId: ex.requestId,
        clientIp: client.ip,
        clientKey: client.key,
        maxBodyBytes: bodyLimit,
        // A public route never passes on a token that failed verification or whose session is revoked:
        // the request goes on as anonymous (documented in PROTECTION.md).
        stripAuthorization: identity.error !== undefined,
        extraHeaders: ex.headers,
      });
    } catch (err) {
      if (err instanceof PayloadTooLargeError) throw bodyTooLarge(bodyLimit);
      throw err;
    }
  };

  /** Hands a request to the gateway's own Express routes, with what the front door already knows. */
  const ownRoute = (req: http.IncomingMessage, res: http.ServerResponse, ex: Exchange, identity?: Identity) => {
    const r = req as http.IncomingMessage & {
      id?: string;
      clientIdentity?: ClientIdentity;
      gatewayIdentity?: Identity;
    };
    r.id = ex.requestId;
    r.clientIdentity = ex.client;
    r.gatewayIdentity = identity;
    res.setHeader('x-request-id', ex.requestId);
    for (let i = 0; i < ex.headers.length; i += 2) res.appendHeader(ex.headers[i]!, ex.headers[i + 1]!);
    own(req, res);
  };

  return (req, res) => {
    const ex = new Exchange(requestIdOf(req.headers['x-request-id']), performance.now());
    res.once('close', () => done(ex, req, res));
    handle(req, res, ex).catch((err: unknown) => fail(ex, req, res, err));
  };
}
