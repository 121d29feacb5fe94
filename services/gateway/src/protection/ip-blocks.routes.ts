import type { RequestHandler } from 'express';
import { ProblemSchema, type ApiRouter } from '@petpro/kit';
import type { IpBlockService } from './ip-blocks.service.ts';
import {
  CreateIpBlockBody,
  IpBlockIdParams,
  IpBlockListQuery,
  IpBlockListSchema,
  IpBlockSchema,
} from './ip-blocks.schemas.ts';

/** Admin routes for dynamic IP blocks, added to the gateway's admin ApiRouter (prefix /api/v1/admin). */
export function ipBlockRoutes(api: ApiRouter, admin: RequestHandler[], blocks: IpBlockService): void {
  api.route(
    {
      method: 'get',
      path: '/ip-blocks',
      summary: 'IP and CIDR blocks in force (dynamic ones, plus the static lists)',
      tags: ['platform'],
      auth: true,
      query: IpBlockListQuery,
      responses: { 200: { description: 'Blocks', schema: IpBlockListSchema } },
    },
    ...admin,
    (req, res) => {
      res.json({ ...blocks.list(req.valid.query), ...blocks.staticLists() });
    },
  );
  api.route(
    {
      method: 'post',
      path: '/ip-blocks',
      summary: 'Block an IP address or CIDR, until a time or until removed; in force on every gateway within seconds',
      tags: ['platform'],
      auth: true,
      body: CreateIpBlockBody,
      responses: {
        201: { description: 'Blocked', schema: IpBlockSchema },
        409: { description: 'Already blocked, or the block would include the caller', schema: ProblemSchema },
        503: { description: 'The block store is unavailable', schema: ProblemSchema },
      },
    },
    ...admin,
    async (req, res) => {
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
      res.status(201).location(`/api/v1/admin/ip-blocks/${block.id}`).json(block);
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/ip-blocks/{id}',
      summary: 'Remove a block (admin or automatic)',
      tags: ['platform'],
      auth: true,
      params: IpBlockIdParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such block', schema: ProblemSchema } },
    },
    ...admin,
    async (req, res) => {
      await blocks.remove(req.valid.params.id);
      res.status(204).end();
    },
  );
}
