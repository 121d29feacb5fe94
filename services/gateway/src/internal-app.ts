import express, { type Express } from 'express';
import {
  ApiRouter,
  createOpenApiRegistry,
  finishApp,
  type Logger,
  type Registry,
  type ServiceCredentials,
} from '@petpro/kit';
import { registryRoutes } from './discovery/registry.routes.ts';

/**
 * The gateway's internal listener (GATEWAY_INTERNAL_PORT, loopback by default): the service registry
 * and the metrics. One gateway process serves it itself; with GATEWAY_WORKERS the primary does, with
 * the workers' metrics summed. Housekeeping: logged at debug.
 */
export function internalApp(deps: {
  log: Logger;
  registry: Registry;
  credentials: ServiceCredentials;
  /** The Prometheus text and its content type. */
  metrics: { contentType: string; text(): Promise<string> };
  onRegistryChange?: () => void;
}): Express {
  const { log, registry, credentials, metrics } = deps;
  const internal = express();
  internal.disable('x-powered-by');
  internal.set('etag', false);
  internal.use((req, res, next) => {
    const started = performance.now();
    res.once('finish', () =>
      log.debug(
        { req: { method: req.method, url: req.url }, res: { statusCode: res.statusCode } },
        `internal ${req.method} ${req.path} ${res.statusCode} (${(performance.now() - started).toFixed(1)} ms)`,
      ),
    );
    next();
  });
  internal.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.text());
  });
  const api = new ApiRouter(createOpenApiRegistry());
  registryRoutes(api, { registry, credentials, onRegistryChange: deps.onRegistryChange ?? (() => {}) });
  internal.use(api.finish());
  return finishApp(internal);
}
