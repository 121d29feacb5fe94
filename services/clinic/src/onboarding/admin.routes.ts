import type { RequestHandler } from 'express';
import {
  ForbiddenError,
  requireAuth,
  type AccessTokenVerifier,
  type ApiRouter,
  decodeCursor,
  encodeCursor,
} from '@petpro/kit';
import type { OnboardingService } from './onboarding.service.ts';
import type { ApprovalService } from './approval.service.ts';
import type { OnboardingRepository } from './onboarding.repository.ts';
import { ApplicationParams, ApplicationSchema, QueueQuery, QueueSchema, ReasonBody } from './onboarding.schemas.ts';
import { canReview } from '../shared/access.ts';

const tags = ['admin onboarding'];

/** The review tools for admins (under /api/v1). */
export function adminOnboardingRoutes(
  api: ApiRouter,
  deps: {
    service: OnboardingService;
    approvals: ApprovalService;
    repo: OnboardingRepository;
    verifier: AccessTokenVerifier;
  },
) {
  const auth = requireAuth(deps.verifier);
  // The gateway already requires the admin role here; checked again so the service is safe on its own.
  const reviewer: RequestHandler = (req, _res, next) =>
    next(
      canReview(req.principal)
        ? undefined
        : new ForbiddenError('forbidden', 'This needs the permission onboarding:review'),
    );
  const { service } = deps;

  api.route(
    {
      method: 'get',
      path: '/admin/onboarding',
      summary: 'The review queue, oldest waiting first (status and age filters)',
      tags,
      auth: true,
      query: QueueQuery,
      responses: { 200: { description: 'A page of applications', schema: QueueSchema } },
    },
    auth,
    reviewer,
    async (req, res) => {
      const q = req.valid.query;
      const now = Date.now();
      const after = q.cursor ? decodeCursor(q.cursor, { w: 'instant', id: 'uuid' }) : undefined;
      const rows = await deps.repo.queue({
        statuses: q.status ?? ['submitted', 'approving'],
        olderThan: q.olderThanHours === undefined ? undefined : new Date(now - q.olderThanHours * 3_600_000),
        newerThan: q.newerThanHours === undefined ? undefined : new Date(now - q.newerThanHours * 3_600_000),
        limit: q.limit + 1,
        after: after && { waitingSince: after.w, id: after.id },
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      res.json({
        items: page.map((a) => service.queueItem(a)),
        // Microsecond timestamps would lose precision in a JS Date; the cursor keeps the ISO text of the millisecond and the id breaks ties.
        nextCursor:
          rows.length > q.limit && last
            ? encodeCursor({ w: (last.submittedAt ?? last.createdAt).toISOString(), id: last.id })
            : null,
      });
    },
  );
  api.route(
    {
      method: 'get',
      path: '/admin/onboarding/{id}',
      summary: 'An application with its history and documents',
      tags,
      auth: true,
      params: ApplicationParams,
      responses: {
        200: { description: 'The application', schema: ApplicationSchema },
        404: { description: 'No such application' },
      },
    },
    auth,
    reviewer,
    async (req, res) => {
      res.json(await service.toDto(req.principal, await service.visible(req.principal!, req.valid.params.id), true));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/admin/onboarding/{id}/approve',
      summary:
        'Approve: creates the clinic and grants the vendor role (202 while the auth service is unreachable; retried until done)',
      tags,
      auth: true,
      params: ApplicationParams,
      body: ReasonBody,
      responses: {
        200: { description: 'Approved', schema: ApplicationSchema },
        202: { description: 'Approving: the role grant will be retried', schema: ApplicationSchema },
        409: { description: 'invalid_transition' },
      },
    },
    auth,
    reviewer,
    async (req, res) => {
      const app = await deps.approvals.approve(req.principal!, req.valid.params.id);
      res.status(app.status === 'approved' ? 200 : 202).json(await service.toDto(req.principal, app, true));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/admin/onboarding/{id}/reject',
      summary: 'Reject with a reason (final)',
      tags,
      auth: true,
      params: ApplicationParams,
      body: ReasonBody,
      responses: {
        200: { description: 'Rejected', schema: ApplicationSchema },
        409: { description: 'invalid_transition' },
      },
    },
    auth,
    reviewer,
    async (req, res) => {
      res.json(
        await service.toDto(
          req.principal,
          await service.decide(req.principal!, req.valid.params.id, 'reject', req.valid.body.reason),
          true,
        ),
      );
    },
  );
  api.route(
    {
      method: 'post',
      path: '/admin/onboarding/{id}/request-changes',
      summary: 'Send back for changes with a reason (editable again)',
      tags,
      auth: true,
      params: ApplicationParams,
      body: ReasonBody,
      responses: {
        200: { description: 'Changes requested', schema: ApplicationSchema },
        409: { description: 'invalid_transition' },
      },
    },
    auth,
    reviewer,
    async (req, res) => {
      res.json(
        await service.toDto(
          req.principal,
          await service.decide(req.principal!, req.valid.params.id, 'request_changes', req.valid.body.reason),
          true,
        ),
      );
    },
  );
  return api;
}
