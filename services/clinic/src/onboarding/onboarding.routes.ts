import {
  requireAuth,
  type z,
  type AccessTokenVerifier,
  type ApiRouter,
  singleFileUpload,
  uploadedFile,
} from '@petpro/kit';
import type { OnboardingService } from './onboarding.service.ts';
import type { ContactVerificationService } from './contact-verification.service.ts';
import type { DocumentsService } from './documents.service.ts';
import {
  ApplicationParams,
  ApplicationSchema,
  BusinessStepBody,
  type StepValue,
  CodeSentSchema,
  ContactStepBody,
  DocumentFileHeaders,
  DocumentForm,
  DocumentParams,
  DocumentSchema,
  LocationStepBody,
  ServicesStepBody,
  VerifyBody,
} from './onboarding.schemas.ts';
import { toApplicationView, toDocumentView } from './onboarding.view.ts';
import type { Step } from './state-machine.ts';

const tags = ['vendor onboarding'];
const notEditable = { description: 'onboarding_not_editable (submitted, approved or rejected)' };

/** The four steps; each is PUT /api/v1/vendor/onboarding/{id}/steps/<step> with that step's body. */
const STEPS: Array<{ step: Step; path: string; body: z.ZodType; summary: string }> = [
  {
    step: 'business',
    path: '/api/v1/vendor/onboarding/{id}/steps/business',
    body: BusinessStepBody,
    summary: 'Fill the business step',
  },
  {
    step: 'contact',
    path: '/api/v1/vendor/onboarding/{id}/steps/contact',
    body: ContactStepBody,
    summary: 'Fill the contact step; a verification code is mailed to a new contact email',
  },
  {
    step: 'location',
    path: '/api/v1/vendor/onboarding/{id}/steps/location',
    body: LocationStepBody,
    summary: 'Fill the location step',
  },
  {
    step: 'services',
    path: '/api/v1/vendor/onboarding/{id}/steps/services',
    body: ServicesStepBody,
    summary: 'Fill the services step',
  },
];

/** The applicant's onboarding endpoints: the application, its steps, contact verification, documents, submission. */
export function onboardingRoutes(
  api: ApiRouter,
  deps: {
    onboarding: OnboardingService;
    contactVerification: ContactVerificationService;
    documents: DocumentsService;
    verifier: AccessTokenVerifier;
    documentMaxBytes: number;
  },
) {
  const auth = requireAuth(deps.verifier);
  const { onboarding, contactVerification, documents } = deps;

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/vendor/onboarding',
      summary: 'Start a vendor application (a draft)',
      tags,
      auth: true,
      responses: {
        201: { description: 'The new draft', schema: ApplicationSchema },
        409: { description: 'onboarding_in_progress (with applicationId)' },
      },
    },
    auth,
    async (req, reply) => {
      const app = await onboarding.start(req.principal!);
      return reply(201, toApplicationView(await onboarding.detailsOf(req.principal, app)));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/vendor/onboarding',
      summary: "The caller's latest application",
      tags,
      auth: true,
      responses: {
        200: { description: 'The application', schema: ApplicationSchema },
        404: { description: 'None started' },
      },
    },
    auth,
    async (req, reply) => {
      const app = await onboarding.latest(req.principal!);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app, true)));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/vendor/onboarding/{id}',
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
    async (req, reply) => {
      const app = await onboarding.visible(req.principal!, req.valid.params.id);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app, true)));
    },
  );

  for (const { step, path, body, summary } of STEPS) {
    api.endpoint(
      {
        method: 'put',
        path,
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
      async (req, reply) => {
        // The body has passed this step's own schema, so it is that step's value.
        const app = await onboarding.saveStep(req.principal!, req.valid.params.id, step, req.valid.body as StepValue);
        return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app)));
      },
    );
  }

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/vendor/onboarding/{id}/verify-contact',
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
    async (req, reply) => {
      const app = await contactVerification.verifyCode(req.principal!, req.valid.params.id, req.valid.body.code);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app)));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/vendor/onboarding/{id}/verify-contact/resend',
      summary: 'Mail a new contact verification code',
      tags,
      auth: true,
      params: ApplicationParams,
      responses: {
        202: { description: 'Sent', schema: CodeSentSchema },
        429: { description: 'resend_too_soon (Retry-After)' },
      },
    },
    auth,
    async (req, reply) => {
      await contactVerification.resendCode(req.principal!, req.valid.params.id);
      return reply(202, { status: 'sent' });
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/vendor/onboarding/{id}/documents',
      summary: 'Upload a document (form fields type and file; PDF, JPEG or PNG)',
      tags,
      auth: true,
      multipart: true,
      params: ApplicationParams,
      body: DocumentForm,
      responses: {
        201: { description: 'The stored document', schema: DocumentSchema },
        409: notEditable,
        413: { description: 'Too large' },
        415: { description: 'Not PDF, JPEG or PNG' },
      },
    },
    auth,
    singleFileUpload(deps.documentMaxBytes, { fieldSize: 10_000 }),
    async (req, reply) => {
      const { id } = req.valid.params;
      return reply(
        201,
        toDocumentView(await documents.add(req.principal!, id, req.valid.body.type, uploadedFile(req))),
      );
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/vendor/onboarding/{id}/documents/{docId}',
      summary: 'Download a document (applicant or admin)',
      tags,
      auth: true,
      params: DocumentParams,
      responses: {
        200: { description: 'The file', stream: 'application/octet-stream', headers: DocumentFileHeaders },
        404: { description: 'No such document (or not yours)' },
      },
    },
    auth,
    async (req, reply) => {
      const { doc, stream } = await documents.open(req.principal!, req.valid.params.id, req.valid.params.docId);
      return reply(200, stream, {
        'Content-Type': doc.contentType,
        'Content-Length': doc.sizeBytes,
        'Content-Disposition': `attachment; filename="${doc.fileName.replace(/"/g, '')}"`,
        // Private papers: no shared caches, and never rendered as a page of this origin.
        'Cache-Control': 'private, no-store',
        'Content-Security-Policy': "default-src 'none'; sandbox",
      });
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/vendor/onboarding/{id}/documents/{docId}',
      summary: 'Remove a document while the application is editable',
      tags,
      auth: true,
      params: DocumentParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such document' }, 409: notEditable },
    },
    auth,
    async (req, reply) => {
      await documents.remove(req.principal!, req.valid.params.id, req.valid.params.docId);
      return reply(204);
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/vendor/onboarding/{id}/submit',
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
    async (req, reply) => {
      const app = await onboarding.submit(req.principal!, req.valid.params.id);
      return reply(200, toApplicationView(await onboarding.detailsOf(req.principal, app)));
    },
  );
}
