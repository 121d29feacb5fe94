import {
  ProblemSchema,
  requireAuth,
  requirePermission,
  z,
  type AccessTokenVerifier,
  type ApiRouter,
} from '@petpro/kit';
import { SessionSchema, toSessionView } from './sessions.routes.ts';
import type { SessionAdminService } from './session-admin.service.ts';

/** `GET /api/v1/admin/users/{id}/sessions` (forced logout is `POST .../logout` in the admin routes). */
export function adminSessionsRoutes(
  api: ApiRouter,
  deps: { verifier: AccessTokenVerifier; sessionAdmin: SessionAdminService },
): void {
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/users/{id}/sessions',
      summary: "A user's open sessions with device information, most recently used first",
      tags: ['admin'],
      auth: true,
      params: z.object({ id: z.uuid() }),
      responses: {
        200: { description: 'Sessions', schema: z.object({ items: z.array(SessionSchema) }) },
        403: { description: 'Not an admin', schema: ProblemSchema },
        404: { description: '`user_not_found`', schema: ProblemSchema },
      },
    },
    requireAuth(deps.verifier),
    requirePermission('admin:users'),
    async (req, reply) => {
      const items = await deps.sessionAdmin.listActiveOf(req.valid.params.id);
      // An admin's view: none of them is the admin's own current session.
      return reply(200, { items: items.map((s) => toSessionView(s, '')) });
    },
  );
}
