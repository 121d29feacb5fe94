import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Histogram, Registry as MetricsRegistry } from 'prom-client';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ClientClosedRequestError, errorHandler, notFoundHandler } from './errors.ts';
import { generateOpenApi } from './api-router.ts';
import { redactUrl, type Logger } from './log.ts';
import { requestContext } from './context.ts';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Keeps a client's request id when it looks sane, otherwise makes a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v && REQUEST_ID_RE.test(v) ? v : randomUUID();
}

/**
 * A signal that aborts (with ClientClosedRequestError) when the client closes the connection before
 * the response is complete: costly handlers check it between steps and stop working for nobody.
 */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ClientClosedRequestError());
  });
  return controller.signal;
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface AppOptions {
  name: string;
  version: string;
  log: Logger;
  openapi?: OpenAPIRegistry;
  checks?: ReadinessCheck[];
  jsonLimit?: string;
  metrics?: MetricsRegistry;
}

/**
 * The Express app every service starts from: helmet, request id, access log, JSON body limit,
 * `/healthz`, `/readyz`, `/metrics` and `/openapi.json`. Add routes, then call finishApp().
 */
export function createServiceApp(opts: AppOptions): { app: Express; metrics: MetricsRegistry } {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  const metrics = opts.metrics ?? new MetricsRegistry();
  metrics.setDefaultLabels({ service: opts.name });
  collectDefaultMetrics({ register: metrics });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });

  app.use(helmet({ contentSecurityPolicy: false }));
  // The request id first, and everything after it (routes, logs, calls to other services) runs in
  // the request's context.
  app.use((req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    req.id = requestId;
    res.setHeader('x-request-id', requestId);
    requestContext.run({ requestId }, next);
  });
  app.use(
    pinoHttp({
      logger: opts.log,
      genReqId: (req) => req.id as string,
      customLogLevel: (req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : req.url?.startsWith('/internal/') ? 'debug' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        // Unhandled errors are logged in full by the error handler; the access line keeps it short.
        err: (err: { message?: string }) => ({ message: err.message }),
      },
    }),
  );
  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route =
        (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other');
      end({
        method: req.method,
        route: `${req.baseUrl}${req.route ? route : ''}` || route,
        status: String(res.statusCode),
      });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: opts.name, version: opts.version, pid: process.pid, node: process.version });
  });
  app.get('/readyz', async (_req, res) => {
    const results: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      (opts.checks ?? []).map(async (c) => {
        try {
          await withTimeout(c.check(), 2_000);
          results[c.name] = 'ok';
        } catch (err) {
          ok = false;
          results[c.name] = `failing: ${(err as Error).message}`;
        }
      }),
    );
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', service: opts.name, checks: results });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  if (opts.openapi) {
    const registry = opts.openapi;
    let doc: unknown;
    app.get('/openapi.json', (_req, res) => {
      doc ??= generateOpenApi(registry, { title: `PetPro ${opts.name} service`, version: opts.version });
      res.json(doc);
    });
  }
  app.use(jsonBody(opts.jsonLimit ?? '1mb'));
  return { app, metrics };
}

/** JSON bodies only, up to `limit`; other content types are left for routes that accept them (uploads). */
export function jsonBody(limit: string): RequestHandler {
  return express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
}

/** Adds the 404 and problem+json error handlers; call after every route. */
export function finishApp(app: Express): Express {
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/** Resolves with `p` or rejects after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * Starts listening; resolves with the server and its bound port. `options` go to http.createServer (header size,
 * timeouts).
 */
export function listen(
  app: http.RequestListener,
  port: number,
  host: string,
  options: http.ServerOptions = {},
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(options, app);
  server.keepAliveTimeout = options.keepAliveTimeout ?? 65_000;
  server.headersTimeout = options.headersTimeout ?? 66_000;
  server.requestTimeout = options.requestTimeout ?? 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle keep-alive sockets. */
export async function closeServer(server: http.Server, graceMs = 8_000): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    t.unref();
    server.close(() => {
      clearTimeout(t);
      resolve();
    });
    server.closeIdleConnections();
  });
}
