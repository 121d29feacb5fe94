import express, { type Router } from 'express';
import {
  ForbiddenError,
  jsonBody,
  type ServiceCredentials,
  ValidationError,
  zodFieldErrors,
  z,
  type Registry,
} from '@petpro/kit';

const InstanceBody = z.strictObject({
  id: z.string().min(1).max(200),
  name: z.enum(['auth', 'user', 'clinic', 'booking']),
  url: z.url({ protocol: /^https?$/ }),
  version: z.string().max(50),
  healthUrl: z.url({ protocol: /^https?$/ }),
});

/**
 * The registry over HTTP for service processes in the one-machine mode, on the gateway's internal
 * listener only. Only PetPro services (service credential, checked before any body is read) may
 * register, deregister or look up instances.
 */
export function registryRouter(registry: Registry, credentials: ServiceCredentials, onChange: () => void): Router {
  const router = express.Router();
  // Gateway workers (GATEWAY_WORKERS) read the primary's registry; only services register.
  router.use(credentials.require('gateway', 'auth', 'user', 'clinic', 'booking'), jsonBody('16kb'));
  router.post('/instances', async (req, res) => {
    const parsed = InstanceBody.safeParse(req.body);
    if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error));
    // A service registers only itself: the clinic service cannot put its URL in place of auth's.
    if (parsed.data.name !== req.callerService || !parsed.data.id.startsWith(`${parsed.data.name}-`))
      throw new ForbiddenError('service_not_allowed', 'A service may register only its own instances');
    await registry.register(parsed.data);
    onChange();
    res.status(204).end();
  });
  router.delete('/instances/:id', async (req, res) => {
    if (!req.params.id.startsWith(`${req.callerService}-`))
      throw new ForbiddenError('service_not_allowed', 'A service may deregister only its own instances');
    await registry.deregister(req.params.id);
    onChange();
    res.status(204).end();
  });
  router.get('/instances', async (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : undefined;
    res.json({ items: await registry.list(name) });
  });
  return router;
}
