import type { Express } from 'express';
import { createOpenApiRegistry, createServiceApp, finishApp, servicePath, type ServiceContext, type ServiceDefinition } from '@petpro/kit';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DB {}

/** The clinic service: everything wired, nothing listening. */
export function buildApp(ctx: ServiceContext<DB>): Express {
  const openapi = createOpenApiRegistry();
  const { app } = createServiceApp({ name: ctx.name, version: ctx.version, log: ctx.log, openapi, metrics: ctx.metrics, checks: [{ name: 'database', check: () => ctx.database.ping() }] });
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'clinic',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
