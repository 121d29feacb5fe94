import type { Router } from 'express';
import {
  ADMIN_ROLE,
  type AccessTokenVerifier,
  ApiRouter,
  requireAuth,
  requireRole,
  z,
  type BreakerSet,
  type OpenAPIRegistry,
} from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';
import { UPSTREAMS } from '../routing/route-table.ts';
import type { IpBlockService } from '../protection/ip-blocks.service.ts';
import type { InFlightLimiter } from '../protection/load-shedding.ts';
import { ipBlockRoutes } from '../protection/ip-blocks.routes.ts';

const ServicesResponse = z
  .object({
    services: z.array(
      z.object({
        name: z.string(),
        circuit: z.enum(['closed', 'open', 'half_open']),
        inFlight: z.number().int().openapi({ description: 'Requests to this service in flight through this gateway' }),
        instances: z.array(
          z.object({
            id: z.string(),
            url: z.string(),
            version: z.string(),
            healthy: z.boolean(),
            registeredAt: z.string(),
            lastHeartbeat: z.string(),
            lastCheck: z.string().optional(),
            lastError: z.string().optional(),
          }),
        ),
      }),
    ),
  })
  .openapi('ServiceInstances');

/** Admin routes the gateway answers itself. */
export function adminRouter(deps: {
  openapi: OpenAPIRegistry;
  verifier: AccessTokenVerifier;
  pool: InstancePool;
  breakers: BreakerSet;
  blocks: IpBlockService;
  inFlight: InFlightLimiter;
}): Router {
  const api = new ApiRouter(deps.openapi, '/api/v1/admin');
  const admin = [requireAuth(deps.verifier), requireRole(ADMIN_ROLE)];
  api.route(
    {
      method: 'get',
      path: '/services',
      summary: 'Discovered service instances, their health and circuit state',
      tags: ['platform'],
      auth: true,
      responses: { 200: { description: 'Instances', schema: ServicesResponse } },
    },
    ...admin,
    (_req, res) => {
      const view = deps.pool.view();
      res.json({
        services: UPSTREAMS.map((name) => ({
          name,
          circuit: deps.breakers.state(name),
          inFlight: deps.inFlight.inFlight(name),
          instances: view.filter((i) => i.name === name).map(({ name: _n, healthUrl: _h, ...rest }) => rest),
        })),
      });
    },
  );
  ipBlockRoutes(api, admin, deps.blocks);
  return api.finish();
}
