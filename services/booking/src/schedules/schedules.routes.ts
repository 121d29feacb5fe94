import { problem, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import { ClinicParams } from '../shared/schemas.ts';
import type { SchedulesService } from './schedules.service.ts';
import { toBlockView, toPolicyView, toRulesView } from './schedules.view.ts';
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
const denied = {
  403: problem('Not the clinic’s vendor, staff (for reading) or an admin'),
  404: problem('No such clinic'),
};

/** Rules, blocked times and policy of a clinic: its vendor and admins write, its staff read. */
export function schedulesRoutes(api: ApiRouter, deps: { schedules: SchedulesService; verifier: AccessTokenVerifier }) {
  const { schedules } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/schedules/{clinicId}/rules',
      summary: 'Weekly working rules of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 200: { description: 'Rules', schema: RulesResponse }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinic, rules } = await schedules.getRules(req.principal!, req.valid.params.clinicId);
      return reply(200, toRulesView(clinic, rules));
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/schedules/{clinicId}/rules',
      summary: 'Replace the weekly working rules of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      body: RulesBody,
      responses: { 200: { description: 'The saved rules', schema: RulesResponse }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinic, rules } = await schedules.putRules(req.principal!, req.valid.params.clinicId, req.valid.body);
      return reply(200, toRulesView(clinic, rules));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/schedules/{clinicId}/blocks',
      summary: 'Blocked times of a clinic touching a range (default: from now on)',
      tags,
      auth: true,
      params: ClinicParams,
      query: BlocksQuery,
      responses: { 200: { description: 'Blocks', schema: BlockListResponse }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinic, blocks } = await schedules.listBlocks(req.principal!, req.valid.params.clinicId, req.valid.query);
      return reply(200, { items: blocks.map((b) => toBlockView(b, clinic.timeZone)) });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/schedules/{clinicId}/blocks',
      summary: 'Block time for the whole clinic or one staff member, once or weekly',
      tags,
      auth: true,
      params: ClinicParams,
      body: BlockBody,
      responses: { 201: { description: 'The block', schema: BlockSchema }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinic, block } = await schedules.createBlock(req.principal!, req.valid.params.clinicId, req.valid.body);
      return reply(201, toBlockView(block, clinic.timeZone));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/schedules/{clinicId}/blocks/{blockId}',
      summary: 'Remove a blocked time',
      tags,
      auth: true,
      params: BlockParams,
      responses: { 204: { description: 'Removed' }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinicId, blockId } = req.valid.params;
      await schedules.deleteBlock(req.principal!, clinicId, blockId);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/schedules/{clinicId}/policy',
      summary: 'Booking policy of a clinic (defaults until one is saved)',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 200: { description: 'Policy', schema: PolicyResponse }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinicId } = req.valid.params;
      return reply(200, toPolicyView(clinicId, await schedules.getPolicy(req.principal!, clinicId)));
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/schedules/{clinicId}/policy',
      summary: 'Replace the booking policy of a clinic',
      tags,
      auth: true,
      params: ClinicParams,
      body: PolicyBody,
      responses: { 200: { description: 'The saved policy', schema: PolicyResponse }, ...denied },
    },
    auth,
    async (req, reply) => {
      const { clinicId } = req.valid.params;
      const saved = await schedules.putPolicy(req.principal!, clinicId, req.valid.body);
      return reply(200, toPolicyView(clinicId, saved));
    },
  );
}
