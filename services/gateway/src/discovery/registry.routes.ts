import {
  type ApiRouter,
  ForbiddenError,
  jsonBody,
  type Registry,
  type ServiceCredentials,
  problem,
  z,
} from '@petpro/kit';

const InstanceBody = z.strictObject({
  id: z.string().min(1).max(200),
  name: z.enum(['auth', 'user', 'clinic', 'booking']),
  url: z.url({ protocol: /^https?$/ }),
  version: z.string().max(50),
  healthUrl: z.url({ protocol: /^https?$/ }),
});
const InstanceParams = z.object({ id: z.string().min(1).max(200) });
const InstancesQuery = z.object({ name: z.string().max(50).optional() });
const InstancesResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      url: z.string(),
      version: z.string(),
      healthUrl: z.string(),
      registeredAt: z.string(),
      lastHeartbeat: z.string(),
    }),
  ),
});

const tags = ['internal'];

/**
 * The registry over HTTP for service processes in the one-machine mode, on the gateway's internal
 * listener only. Only PetPro services may register, deregister or look up instances: the service
 * credential is checked before any body is read. Gateway workers (GATEWAY_WORKERS) read the
 * primary's registry; only services register, and each only itself.
 */
export function registryRoutes(
  api: ApiRouter,
  deps: { registry: Registry; credentials: ServiceCredentials; onRegistryChange: () => void },
): void {
  const { registry, credentials, onRegistryChange } = deps;
  const callers = credentials.require('gateway', 'auth', 'user', 'clinic', 'booking');
  const forbidden = problem('`service_not_allowed`: a service may register or deregister only its own instances');
  api.endpoint(
    {
      method: 'post',
      path: '/internal/registry/instances',
      summary: 'Register (or heartbeat) an instance of the calling service',
      tags,
      body: InstanceBody,
      responses: { 204: { description: 'Registered' }, 403: forbidden },
    },
    callers,
    jsonBody('16kb'),
    async (req, reply) => {
      const instance = req.valid.body;
      // A service registers only itself: the clinic service cannot put its URL in place of auth's.
      if (instance.name !== req.callerService || !instance.id.startsWith(`${instance.name}-`))
        throw new ForbiddenError('service_not_allowed', 'A service may register only its own instances');
      await registry.register(instance);
      onRegistryChange();
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/internal/registry/instances/{id}',
      summary: 'Deregister an instance of the calling service',
      tags,
      params: InstanceParams,
      responses: { 204: { description: 'Deregistered' }, 403: forbidden },
    },
    callers,
    async (req, reply) => {
      if (!req.valid.params.id.startsWith(`${req.callerService}-`))
        throw new ForbiddenError('service_not_allowed', 'A service may deregister only its own instances');
      await registry.deregister(req.valid.params.id);
      onRegistryChange();
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/internal/registry/instances',
      summary: 'Registered instances, of one service or all',
      tags,
      query: InstancesQuery,
      responses: { 200: { description: 'Instances', schema: InstancesResponse } },
    },
    callers,
    async (req, reply) => reply(200, { items: await registry.list(req.valid.query.name) }),
  );
}
