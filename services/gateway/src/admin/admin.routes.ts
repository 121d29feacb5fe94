import {
  ADMIN_ROLE,
  type AccessTokenVerifier,
  type ApiRouter,
  type BreakerSet,
  requireAuth,
  requireRole,
  z,
} from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';
import type { InFlightLimiter } from '../protection/load-shedding.ts';
import { UPSTREAMS } from '../routing/route-table.ts';

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

/** Admin routes the gateway answers itself: the discovered services. */
export function adminRoutes(
  api: ApiRouter,
  deps: { verifier: AccessTokenVerifier; pool: InstancePool; breakers: BreakerSet; inFlight: InFlightLimiter },
): void {
  const { verifier, pool, breakers, inFlight } = deps;
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/services',
      summary: 'Discovered service instances, their health and circuit state',
      tags: ['platform'],
      auth: true,
      responses: { 200: { description: 'Instances', schema: ServicesResponse } },
    },
    requireAuth(verifier),
    requireRole(ADMIN_ROLE),
    (_req, reply) => {
      const view = pool.view();
      return reply(200, {
        services: UPSTREAMS.map((name) => ({
          name,
          circuit: breakers.state(name),
          inFlight: inFlight.inFlight(name),
          instances: view.filter((i) => i.name === name).map(({ name: _n, healthUrl: _h, ...rest }) => rest),
        })),
      });
    },
  );
}
