import path from 'node:path';
import type { Express } from 'express';
import {
  ApiRouter,
  createAppFor,
  createOpenApiRegistry,
  createStore,
  eventFeedRoutes,
  finishApp,
  purgeFeedEvents,
  runEvery,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
  uploadQuota,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseClinicConfig } from './config.ts';
import { repositoriesOver } from './store.ts';
import { FileStore } from './shared/storage.ts';
import { AuthClient } from './shared/auth-client.ts';
import { ClinicsService } from './clinics/clinics.service.ts';
import { clinicsRoutes } from './clinics/clinics.routes.ts';
import { SearchService } from './search/search.service.ts';
import { searchRoutes } from './search/search.routes.ts';
import { CatalogueService } from './catalogue/catalogue.service.ts';
import { catalogueRoutes } from './catalogue/catalogue.routes.ts';
import { StaffService } from './staff/staff.service.ts';
import { staffRoutes } from './staff/staff.routes.ts';
import { InvitationsService } from './staff/invitations.service.ts';
import { OnboardingService } from './onboarding/onboarding.service.ts';
import { OnboardingAccess } from './onboarding/onboarding.access.ts';
import { ContactVerificationService } from './onboarding/contact-verification.service.ts';
import { DocumentsService } from './onboarding/documents.service.ts';
import { ApprovalService } from './onboarding/approval.service.ts';
import { onboardingRoutes } from './onboarding/onboarding.routes.ts';
import { adminOnboardingRoutes } from './onboarding/admin.routes.ts';
import { OutboxDispatcher } from './mail/outbox.service.ts';
import { MailQuota } from './mail/mail-quota.ts';
import { internalRoutes } from './internal/internal.routes.ts';
import { startWorker } from './worker.ts';

export type { DB };

/** The clinic service: everything wired, nothing listening (the background worker runs until ctx.onClose). */
export function buildApp(ctx: ServiceContext<DB>): Express {
  const config = parseClinicConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  // Photos and private onboarding documents live on disk under the data folder, outside any web root.
  const files = new FileStore(path.resolve(ctx.config.PETPRO_DATA_DIR, 'clinic'));
  const auth = new AuthClient(ctx.client);
  const store = createStore(ctx.db, repositoriesOver);

  // One upload budget per account for photos and documents alike.
  const uploads = { maxPixels: config.IMAGE_MAX_PIXELS, quota: uploadQuota(ctx.db, config.UPLOADS_PER_HOUR) };
  const clinics = new ClinicsService({ store, files, photoMaxCount: config.CLINIC_MAX_PHOTOS, uploads });
  const search = new SearchService({ store });
  const catalogue = new CatalogueService({ store, clinicsService: clinics });
  const staff = new StaffService({ store, clinicsService: clinics, auth, log: ctx.log });
  const dispatcher = new OutboxDispatcher({
    store,
    auth,
    mailer: ctx.mailer,
    log: ctx.log,
    appUrl: ctx.urls.app,
    retryBaseMs: config.CLINIC_RETRY_BASE_MS,
    retryMaxMs: config.CLINIC_RETRY_MAX_MS,
  });
  const mailQuota = new MailQuota(ctx.db, {
    perAddress: config.MAIL_PER_ADDRESS_PER_HOUR,
    perAccount: config.MAIL_PER_ACCOUNT_PER_HOUR,
  });
  const invitations = new InvitationsService({
    store,
    staffService: staff,
    clinicsService: clinics,
    auth,
    mailer: ctx.mailer,
    mailQuota,
    log: ctx.log,
    ttlDays: config.CLINIC_STAFF_INVITATION_TTL_DAYS,
    appUrl: ctx.urls.app,
  });
  const access = new OnboardingAccess(store);
  const contactVerification = new ContactVerificationService({
    store,
    access,
    auth,
    mailer: ctx.mailer,
    log: ctx.log,
    mailQuota,
    config: {
      codeTtlMinutes: config.CLINIC_CONTACT_CODE_TTL_MINUTES,
      codeMaxAttempts: config.CLINIC_CONTACT_CODE_MAX_ATTEMPTS,
      codeResendSeconds: config.CLINIC_CONTACT_CODE_RESEND_SECONDS,
      codeSecret: ctx.config.SERVICE_SECRET!,
    },
  });
  const documents = new DocumentsService({
    store,
    access,
    files,
    uploads,
    documentMaxCount: config.CLINIC_MAX_DOCUMENTS,
  });
  const onboarding = new OnboardingService({ store, access, contactVerification, dispatcher, log: ctx.log });
  const approvals = new ApprovalService({
    store,
    dispatcher,
    auth,
    log: ctx.log,
    retryBaseMs: config.CLINIC_RETRY_BASE_MS,
    retryMaxMs: config.CLINIC_RETRY_MAX_MS,
  });

  // Every feature declares its endpoints, paths written out whole, on the service's one router.
  const api = new ApiRouter(openapi);
  const deps = {
    verifier: ctx.verifier,
    credentials: ctx.credentials,
    clinics,
    search,
    catalogue,
    staff,
    invitations,
    onboarding,
    contactVerification,
    documents,
    approvals,
    photoMaxBytes: config.CLINIC_PHOTO_MAX_BYTES,
    documentMaxBytes: config.CLINIC_DOCUMENT_MAX_BYTES,
  };
  searchRoutes(api, deps);
  clinicsRoutes(api, deps);
  catalogueRoutes(api, deps);
  staffRoutes(api, deps);
  onboardingRoutes(api, deps);
  adminOnboardingRoutes(api, deps);
  app.use(api.finish());
  // Service-to-service endpoints: a second router over an unpublished registry, never routed by the gateway.
  const internal = new ApiRouter(createOpenApiRegistry());
  internalRoutes(internal, deps);
  // The feed of availability events the booking service follows (src/events), kept a week.
  eventFeedRoutes(internal, { db: ctx.db, credentials: ctx.credentials, callers: ['booking'] });
  app.use(internal.finish());
  ctx.onClose.push(
    runEvery(3_600_000, () => purgeFeedEvents(ctx.db, 7 * 86_400_000), { log: ctx.log, failure: 'feed purge failed' }),
  );

  // First in the shutdown order: the pass in progress finishes while the mailer and database are still open.
  ctx.onClose.unshift(
    startWorker({ intervalMs: config.CLINIC_WORKER_INTERVAL_MS, approvals, dispatcher, log: ctx.log }),
  );
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'clinic',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
