import { requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { AuditService } from './audit.service.ts';
import { AuditEventPage, ListAuditQuery } from './audit.schemas.ts';
import { toAuditEventView } from './audit.view.ts';

/** The security audit trail for admins. */
export function auditRoutes(api: ApiRouter, deps: { audit: AuditService; verifier: AccessTokenVerifier }) {
  const { audit } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/audit',
      summary: 'Security audit events, newest first',
      tags: ['admin'],
      auth: true,
      query: ListAuditQuery,
      responses: { 200: { description: 'Events', schema: AuditEventPage } },
    },
    auth,
    requirePermission('admin:audit'),
    async (req, reply) => {
      const page = await audit.listPage(req.valid.query);
      return reply(200, { items: page.items.map(toAuditEventView), nextCursor: page.nextCursor });
    },
  );
}
