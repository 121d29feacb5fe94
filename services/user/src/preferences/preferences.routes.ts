import { requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { PreferencesService } from './preferences.service.ts';
import { PreferencesBody, PreferencesSchema } from './preferences.schemas.ts';

/** The caller's notification, language and display preferences. */
export function preferencesRoutes(
  api: ApiRouter,
  deps: { preferences: PreferencesService; verifier: AccessTokenVerifier },
): void {
  const { preferences } = deps;
  const auth = requireAuth(deps.verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const tags = ['users'];
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/users/me/preferences',
      summary: 'My notification, language and display preferences (defaults until changed)',
      tags,
      auth: true,
      responses: { 200: { description: 'Preferences', schema: PreferencesSchema } },
    },
    ...read,
    async (req, reply) => reply(200, await preferences.findByUserId(req.principal!.userId)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/users/me/preferences',
      summary: 'Save my preferences (the whole document or any part of it)',
      tags,
      auth: true,
      body: PreferencesBody,
      responses: { 200: { description: 'The saved preferences', schema: PreferencesSchema } },
    },
    ...write,
    async (req, reply) => reply(200, await preferences.update(req.principal!.userId, req.valid.body)),
  );
}
