import {
  ADMIN_ROLE,
  type AccessTokenVerifier,
  type ApiRouter,
  problem,
  requireAuth,
  requireRole,
  z,
} from '@petpro/kit';
import type { IpBlockService } from './ip-blocks.service.ts';
import {
  CreateIpBlockBody,
  IpBlockIdParams,
  IpBlockListQuery,
  IpBlockListSchema,
  IpBlockSchema,
} from './ip-blocks.schemas.ts';

const tags = ['platform'];

/** Admin routes for dynamic IP blocks. */
export function ipBlocksRoutes(api: ApiRouter, deps: { verifier: AccessTokenVerifier; blocks: IpBlockService }): void {
  const { blocks } = deps;
  const admin = [requireAuth(deps.verifier), requireRole(ADMIN_ROLE)];
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/ip-blocks',
      summary: 'IP and CIDR blocks in force (dynamic ones, plus the static lists)',
      tags,
      auth: true,
      query: IpBlockListQuery,
      responses: { 200: { description: 'Blocks', schema: IpBlockListSchema } },
    },
    ...admin,
    (req, reply) => reply(200, { ...blocks.list(req.valid.query), ...blocks.staticLists() }),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/ip-blocks',
      summary: 'Block an IP address or CIDR, until a time or until removed; in force on every gateway within seconds',
      tags,
      auth: true,
      body: CreateIpBlockBody,
      responses: {
        201: { description: 'Blocked', schema: IpBlockSchema, headers: { Location: z.string() } },
        409: problem('Already blocked, or the block would include the caller'),
        503: problem('The block store is unavailable'),
      },
    },
    ...admin,
    async (req, reply) => {
      const { cidr, reason, expiresAt, durationMinutes } = req.valid.body;
      const until = expiresAt
        ? new Date(expiresAt)
        : durationMinutes
          ? new Date(Date.now() + durationMinutes * 60_000)
          : undefined;
      const block = await blocks.add({
        cidr,
        reason,
        expiresAt: until,
        createdBy: req.principal?.userId,
        requester: req.clientIdentity?.addr,
      });
      return reply(201, block, { Location: `/api/v1/admin/ip-blocks/${block.id}` });
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/admin/ip-blocks/{id}',
      summary: 'Remove a block (admin or automatic)',
      tags,
      auth: true,
      params: IpBlockIdParams,
      responses: { 204: { description: 'Removed' }, 404: problem('No such block') },
    },
    ...admin,
    async (req, reply) => {
      await blocks.remove(req.valid.params.id);
      return reply(204);
    },
  );
}
