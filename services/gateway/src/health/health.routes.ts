import { type ApiRouter, type BreakerSet, z } from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';
import { UPSTREAMS } from '../routing/route-table.ts';

const tags = ['platform'];

const LivenessSchema = z
  .object({
    status: z.literal('ok'),
    service: z.literal('gateway'),
    version: z.string(),
    pid: z.number(),
    node: z.string(),
  })
  .openapi('GatewayLiveness');

const ReadinessSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    gateway: z.literal('ok'),
    upstreams: z.record(
      z.string(),
      z.object({
        healthy: z.number().int().openapi({ description: 'Healthy instances of this service' }),
        circuit: z.enum(['closed', 'open', 'half_open']),
      }),
    ),
  })
  .openapi('GatewayReadiness');

/** The gateway's probes (answered before shedding and limits by the front door). */
export function healthRoutes(api: ApiRouter, deps: { pool: InstancePool; breakers: BreakerSet; version: string }) {
  const { pool, breakers, version } = deps;
  api.endpoint(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Gateway liveness',
      tags,
      responses: { 200: { description: 'Alive', schema: LivenessSchema } },
    },
    (_req, reply) => reply(200, { status: 'ok', service: 'gateway', version, pid: process.pid, node: process.version }),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness of the gateway and each upstream service',
      tags,
      responses: {
        200: { description: 'Every upstream has a healthy instance', schema: ReadinessSchema },
        503: { description: 'Some upstream has none', schema: ReadinessSchema, answer: true },
      },
    },
    (_req, reply) => {
      const view = pool.view();
      const upstreams = Object.fromEntries(
        UPSTREAMS.map((s) => [
          s,
          { healthy: view.filter((i) => i.name === s && i.healthy).length, circuit: breakers.state(s) },
        ]),
      );
      const ok = UPSTREAMS.every((s) => pool.hasHealthy(s));
      return ok
        ? reply(200, { status: 'ok', gateway: 'ok', upstreams })
        : reply(503, { status: 'degraded', gateway: 'ok', upstreams });
    },
  );
}
