import { requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { SessionsService } from './sessions.service.ts';
import { RevokedCount, SessionList, SessionParams } from './sessions.schemas.ts';
import { toSessionView } from './sessions.view.ts';
import { requestMeta } from '../shared/request-meta.ts';

const tags = ['auth'];

/** A user's own sessions: list, revoke one, revoke all others. */
export function sessionsRoutes(api: ApiRouter, deps: { sessions: SessionsService; verifier: AccessTokenVerifier }) {
  const { sessions } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/sessions',
      summary: 'My active sessions with device information',
      tags,
      auth: true,
      responses: { 200: { description: 'Sessions', schema: SessionList } },
    },
    auth,
    async (req, reply) => {
      const items = await sessions.listActive(req.principal!);
      return reply(200, { items: items.map((s) => toSessionView(s, req.principal!.sessionId)) });
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/auth/sessions/{id}',
      summary: 'Revoke one of my sessions',
      tags,
      auth: true,
      params: SessionParams,
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such session of mine' } },
    },
    auth,
    async (req, reply) => {
      await sessions.revokeOwn(req.principal!, req.valid.params.id, requestMeta(req).ip);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/auth/sessions',
      summary: 'Revoke all my other sessions',
      tags,
      auth: true,
      responses: { 200: { description: 'How many were revoked', schema: RevokedCount } },
    },
    auth,
    async (req, reply) => reply(200, { revoked: await sessions.revokeOthers(req.principal!, requestMeta(req).ip) }),
  );
}
