import { ApiRouter, ProblemSchema, requireAuth, type AccessTokenVerifier, type OpenAPIRegistry } from '@petpro/kit';
import { ClinicParams } from '../shared/schemas.ts';
import { formatInstant } from '../shared/time.ts';
import type { SchedulesService } from './schedules.service.ts';
import type { BlockRecord, PolicyRecord, RuleRecord } from './schedules.model.ts';
import {
  BlockBody,
  BlockListResponse,
  BlockParams,
  BlockSchema,
  BlocksQuery,
  PolicyBody,
  PolicyResponse,
  RulesBody,
  RulesResponse,
} from './schedules.schemas.ts';

const tags = ['schedules'];
const problem = (description: string) => ({ description, schema: ProblemSchema });

function ruleView(r: RuleRecord) {
  return {
    id: r.id,
    staffId: r.staffId,
    weekday: r.weekday,
    start: r.start,
    end: r.end,
    validFrom: r.validFrom,
    validUntil: r.validUntil,
  };
}

function blockView(b: BlockRecord, zone: string) {
  return {
    id: b.id,
    clinicId: b.clinicId,
    staffId: b.staffId,
    start: formatInstant(b.start, zone),
    end: formatInstant(b.end, zone),
    reason: b.reason,
    recurrence: b.recurrence,
    createdAt: b.createdAt.toISOString(),
  };
}

function policyView(clinicId: string, p: { policy: PolicyRecord; isDefault: boolean }) {
  return { clinicId, ...p.policy, isDefault: p.isDefault };
}

/** Rules, blocked times and policy of a clinic: its vendor and admins write, its staff read. */
export function schedulesRoutes(openapi: OpenAPIRegistry, service: SchedulesService, verifier: AccessTokenVerifier) {
  const api = new ApiRouter(openapi, '/api/v1/schedules');
  const auth = requireAuth(verifier);
  const denied = {
    403: problem('Not the clinic’s vendor, staff (for reading) or an admin'),
    404: problem('No such clinic'),
  };

  api.route(
    {
      method: 'get',
      path: '/{clinicId}/rules',
      summary: 'Weekly working rules of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 200: { description: 'Rules', schema: RulesResponse }, ...denied },
    },
    auth,
    async (req, res) => {
      const { clinic, rules } = await service.getRules(req.principal!, req.valid.params.clinicId);
      res.json({ clinicId: clinic.id, timeZone: clinic.timeZone, rules: rules.map(ruleView) });
    },
  );
  api.route(
    {
      method: 'put',
      path: '/{clinicId}/rules',
      summary: 'Replace the weekly working rules of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      body: RulesBody,
      responses: { 200: { description: 'The saved rules', schema: RulesResponse }, ...denied },
    },
    auth,
    async (req, res) => {
      const { clinic, rules } = await service.putRules(req.principal!, req.valid.params.clinicId, req.valid.body);
      res.json({ clinicId: clinic.id, timeZone: clinic.timeZone, rules: rules.map(ruleView) });
    },
  );
  api.route(
    {
      method: 'get',
      path: '/{clinicId}/blocks',
      summary: 'Blocked times of a clinic touching a range (default: from now on)',
      tags,
      auth: true,
      params: ClinicParams,
      query: BlocksQuery,
      responses: { 200: { description: 'Blocks', schema: BlockListResponse }, ...denied },
    },
    auth,
    async (req, res) => {
      const { clinic, blocks } = await service.listBlocks(req.principal!, req.valid.params.clinicId, req.valid.query);
      res.json({ items: blocks.map((b) => blockView(b, clinic.timeZone)) });
    },
  );
  api.route(
    {
      method: 'post',
      path: '/{clinicId}/blocks',
      summary: 'Block time for the whole clinic or one staff member, once or weekly',
      tags,
      auth: true,
      params: ClinicParams,
      body: BlockBody,
      responses: { 201: { description: 'The block', schema: BlockSchema }, ...denied },
    },
    auth,
    async (req, res) => {
      const { clinic, block } = await service.createBlock(req.principal!, req.valid.params.clinicId, req.valid.body);
      res.status(201).json(blockView(block, clinic.timeZone));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/{clinicId}/blocks/{blockId}',
      summary: 'Remove a blocked time',
      tags,
      auth: true,
      params: BlockParams,
      responses: { 204: { description: 'Removed' }, ...denied },
    },
    auth,
    async (req, res) => {
      await service.deleteBlock(req.principal!, req.valid.params.clinicId, req.valid.params.blockId);
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'get',
      path: '/{clinicId}/policy',
      summary: 'Booking policy of a clinic (defaults until one is saved)',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 200: { description: 'Policy', schema: PolicyResponse }, ...denied },
    },
    auth,
    async (req, res) => {
      res.json(
        policyView(req.valid.params.clinicId, await service.getPolicy(req.principal!, req.valid.params.clinicId)),
      );
    },
  );
  api.route(
    {
      method: 'put',
      path: '/{clinicId}/policy',
      summary: 'Replace the booking policy of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      body: PolicyBody,
      responses: { 200: { description: 'The saved policy', schema: PolicyResponse }, ...denied },
    },
    auth,
    async (req, res) => {
      res.json(
        policyView(
          req.valid.params.clinicId,
          await service.putPolicy(req.principal!, req.valid.params.clinicId, req.valid.body),
        ),
      );
    },
  );
  return api;
}
