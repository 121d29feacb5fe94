import {
  requireAuth,
  type z,
  type AccessTokenVerifier,
  type ApiRouter,
  singleFileUpload,
  uploadedFile,
} from '@petpro/kit';
import type { OnboardingService } from './onboarding.service.ts';
import {
  ApplicationParams,
  ApplicationSchema,
  BusinessStepBody,
  type StepValue,
  ContactStepBody,
  DocumentForm,
  DocumentParams,
  LocationStepBody,
  ServicesStepBody,
  VerifyBody,
} from './onboarding.schemas.ts';
import type { Step } from './state-machine.ts';

const tags = ['vendor onboarding'];
const notEditable = { description: 'onboarding_not_editable (submitted, approved or rejected)' };

/** The applicant's onboarding endpoints (under /api/v1). */
export function onboardingRoutes(
  api: ApiRouter,
  deps: { service: OnboardingService; verifier: AccessTokenVerifier; documentMaxBytes: number },
) {
  const auth = requireAuth(deps.verifier);
  const { service } = deps;

  api.route(
    {
      method: 'post',
      path: '/vendor/onboarding',
      summary: 'Start a vendor application (a draft)',
      tags,
      auth: true,
      responses: {
        201: { description: 'The new draft', schema: ApplicationSchema },
        409: { description: 'onboarding_in_progress (with applicationId)' },
      },
    },
    auth,
    async (req, res) => {
      res.status(201).json(await service.toDto(req.principal, await service.start(req.principal!)));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/vendor/onboarding',
      summary: "The caller's latest application",
      tags,
      auth: true,
      responses: {
        200: { description: 'The application', schema: ApplicationSchema },
        404: { description: 'None started' },
      },
    },
    auth,
    async (req, res) => {
      res.json(await service.toDto(req.principal, await service.latest(req.principal!), true));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/vendor/onboarding/{id}',
      summary: 'One application with its history (applicant or admin)',
      tags,
      auth: true,
      params: ApplicationParams,
      responses: {
        200: { description: 'The application', schema: ApplicationSchema },
        404: { description: 'No such application' },
      },
    },
    auth,
    async (req, res) => {
      res.json(await service.toDto(req.principal, await service.visible(req.principal!, req.valid.params.id), true));
    },
  );

  const steps: Array<[Step, z.ZodType]> = [
    ['business', BusinessStepBody],
    ['contact', ContactStepBody],
    ['location', LocationStepBody],
    ['services', ServicesStepBody],
  ];
  for (const [step, body] of steps) {
    const summary =
      step === 'contact'
        ? 'Fill the contact step; a verification code is mailed to a new contact email'
        : `Fill the ${step} step`;
    api.route(
      {
        method: 'put',
        path: `/vendor/onboarding/{id}/steps/${step}`,
        summary,
        tags,
        auth: true,
        params: ApplicationParams,
        body,
        responses: {
          200: { description: 'The application', schema: ApplicationSchema },
          404: { description: 'No such application' },
          409: notEditable,
        },
      },
      auth,
      async (req, res) => {
        // The body has passed this step's own schema, so it is that step's value.
        const app = await service.saveStep(req.principal!, req.valid.params.id, step, req.valid.body as StepValue);
        res.json(await service.toDto(req.principal, app));
      },
    );
  }

  api.route(
    {
      method: 'post',
      path: '/vendor/onboarding/{id}/verify-contact',
      summary: 'Confirm the contact email with the mailed code',
      tags,
      auth: true,
      params: ApplicationParams,
      body: VerifyBody,
      responses: {
        200: { description: 'The application', schema: ApplicationSchema },
        400: { description: 'code_invalid or code_expired' },
      },
    },
    auth,
    async (req, res) => {
      res.json(
        await service.toDto(
          req.principal,
          await service.verifyCode(req.principal!, req.valid.params.id, req.valid.body.code),
        ),
      );
    },
  );
  api.route(
    {
      method: 'post',
      path: '/vendor/onboarding/{id}/verify-contact/resend',
      summary: 'Mail a new contact verification code',
      tags,
      auth: true,
      params: ApplicationParams,
      responses: { 202: { description: 'Sent' }, 429: { description: 'resend_too_soon (Retry-After)' } },
    },
    auth,
    async (req, res) => {
      await service.resendCode(req.principal!, req.valid.params.id);
      res.status(202).json({ status: 'sent' });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/vendor/onboarding/{id}/documents',
      summary: 'Upload a document (form fields type and file; PDF, JPEG or PNG)',
      tags,
      auth: true,
      multipart: true,
      params: ApplicationParams,
      body: DocumentForm,
      responses: {
        201: { description: 'The stored document' },
        409: notEditable,
        413: { description: 'Too large' },
        415: { description: 'Not PDF, JPEG or PNG' },
      },
    },
    auth,
    singleFileUpload(deps.documentMaxBytes, { fieldSize: 10_000 }),
    async (req, res) => {
      res
        .status(201)
        .json(await service.addDocument(req.principal!, req.valid.params.id, req.valid.body.type, uploadedFile(req)));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/vendor/onboarding/{id}/documents/{docId}',
      summary: 'Download a document (applicant or admin)',
      tags,
      auth: true,
      params: DocumentParams,
      responses: { 200: { description: 'The file' }, 404: { description: 'No such document (or not yours)' } },
    },
    auth,
    async (req, res, next) => {
      const { doc, stream } = await service.openDocument(req.principal!, req.valid.params.id, req.valid.params.docId);
      res.setHeader('Content-Type', doc.contentType);
      res.setHeader('Content-Length', String(doc.sizeBytes));
      res.setHeader('Content-Disposition', `attachment; filename="${doc.fileName.replace(/"/g, '')}"`);
      // Private papers: no shared caches, and never rendered as a page of this origin.
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      stream.on('error', next);
      stream.pipe(res);
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/vendor/onboarding/{id}/documents/{docId}',
      summary: 'Remove a document while the application is editable',
      tags,
      auth: true,
      params: DocumentParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such document' }, 409: notEditable },
    },
    auth,
    async (req, res) => {
      await service.deleteDocument(req.principal!, req.valid.params.id, req.valid.params.docId);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'post',
      path: '/vendor/onboarding/{id}/submit',
      summary: 'Submit (or resubmit) the application for review',
      tags,
      auth: true,
      params: ApplicationParams,
      responses: {
        200: { description: 'Submitted', schema: ApplicationSchema },
        409: { description: 'onboarding_incomplete with missing[], or invalid_transition' },
      },
    },
    auth,
    async (req, res) => {
      res.json(await service.toDto(req.principal, await service.submit(req.principal!, req.valid.params.id)));
    },
  );
  return api;
}
