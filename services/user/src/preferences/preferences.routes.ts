import { ApiRouter, requireAuth, requirePermission, type AccessTokenVerifier, type OpenAPIRegistry } from '@petpro/kit';
import type { PreferencesService } from './preferences.service.ts';
import { PreferencesBody, PreferencesSchema } from './preferences.schemas.ts';

/** The caller's preferences under /api/v1/users/me/preferences (mounted at /api/v1). */
export function preferencesRoutes(
  openapi: OpenAPIRegistry,
  service: PreferencesService,
  verifier: AccessTokenVerifier,
) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const tags = ['users'];
  api.route(
    {
      method: 'get',
      path: '/users/me/preferences',
      summary: 'My notification, language and display preferences (defaults until changed)',
      tags,
      auth: true,
      responses: { 200: { description: 'Preferences', schema: PreferencesSchema } },
    },
    ...read,
    async (req, res) => {
      res.json(await service.get(req.principal!.userId));
    },
  );
  api.route(
    {
      method: 'put',
      path: '/users/me/preferences',
      summary: 'Save my preferences (the whole document or any part of it)',
      tags,
      auth: true,
      body: PreferencesBody,
      responses: { 200: { description: 'The saved preferences', schema: PreferencesSchema } },
    },
    ...write,
    async (req, res) => {
      res.json(await service.update(req.principal!.userId, req.valid.body));
    },
  );
  return api;
}
