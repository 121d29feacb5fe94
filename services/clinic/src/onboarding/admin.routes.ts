import type { RequestHandler } from 'express';
import { ForbiddenError, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { OnboardingService } from './onboarding.service.ts';
import type { ApprovalService } from './approval.service.ts';
import { ApplicationParams, ApplicationSchema, QueueQuery, QueueSchema, ReasonBody } from './onboarding.schemas.ts';
import { toApplicationView, toQueueItemView } from './onboarding.view.ts';
import { canReview } from '../shared/access.ts';

const tags = ['admin onboarding'];

/** The review tools for admins and reviewers. */
export function adminOnboardingRoutes(
  api: ApiRouter,
  deps: { onboarding: OnboardingService; approvals: ApprovalService; verifier: AccessTokenVerifier },
) {
  const auth = requireAuth(deps.verifier);
  // The gateway already requires the admin role here; checked again so the service is safe on its own.
  const reviewer: RequestHandler = (req, _res, next) =>
    next(
      canReview(req.principal)
        ? undefined
        : new ForbiddenError('forbidden', 'This needs the permission onboarding:review'),
    );
  const { onboarding, approvals } = deps;

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/onboarding',
      summary: 'The review queue, oldest waiting first (status and age filters)',
      tags,
      auth: true,
      query: QueueQuery,
      responses: { 200: { description: 'A page of applications', schema: QueueSchema } },
    },
    auth,
    reviewer,
    async (req, reply) => {
      const page = await onboarding.queuePage(req.valid.query);
      const now = new Date();
      return reply(200, { items: page.items.map((a) => toQueueItemView(a, now)), nextCursor: page.nextCursor });
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/onboarding/{id}',
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
    async (req, reply) => {
      const app = await onboarding.visible(req.principal!, req.valid.params.id);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app, true)));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/onboarding/{id}/approve',
      summary:
        'Approve: creates the clinic and grants the vendor role (202 while the auth service is unreachable; retried ' +
        'until done)',
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
    async (req, reply) => {
      const app = await approvals.approve(req.principal!, req.valid.params.id);
      const view = toApplicationView(await onboarding.detailsOf(req.principal, app, true));
      return reply(app.status === 'approved' ? 200 : 202, view);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/onboarding/{id}/reject',
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
    async (req, reply) => {
      const app = await onboarding.decide(req.principal!, req.valid.params.id, 'reject', req.valid.body.reason);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app, true)));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/onboarding/{id}/request-changes',
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
    async (req, reply) => {
      const { id } = req.valid.params;
      const app = await onboarding.decide(req.principal!, id, 'request_changes', req.valid.body.reason);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app, true)));
    },
  );
}
