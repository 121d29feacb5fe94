import { ProblemSchema, requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { SessionsService } from './sessions.service.ts';
import { SessionList, SessionParams } from './sessions.schemas.ts';
import { toSessionView } from './sessions.view.ts';

/** `GET /api/v1/admin/users/{id}/sessions` (forced logout is `POST .../logout` in the rbac routes). */
export function adminSessionsRoutes(
  api: ApiRouter,
  deps: { verifier: AccessTokenVerifier; sessions: SessionsService },
) {
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/users/{id}/sessions',
      summary: "A user's open sessions with device information, most recently used first",
      tags: ['admin'],
      auth: true,
      params: SessionParams,
      responses: {
        200: { description: 'Sessions', schema: SessionList },
        403: { description: 'Not an admin', schema: ProblemSchema },
        404: { description: '`user_not_found`', schema: ProblemSchema },
      },
    },
    requireAuth(deps.verifier),
    requirePermission('admin:users'),
    async (req, reply) => {
      const items = await deps.sessions.listActiveOf(req.valid.params.id);
      // An admin's view: none of them is the admin's own session.
      return reply(200, { items: items.map((s) => toSessionView(s, null)) });
    },
  );
}
