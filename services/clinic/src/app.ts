import path from 'node:path';
import type { Express } from 'express';
import {
  ApiRouter,
  createAppFor,
  createOpenApiRegistry,
  eventFeedRoutes,
  purgeFeedEvents,
  runEvery,
  finishApp,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
  uploadQuota,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseClinicConfig } from './config.ts';
import { FileStore } from './shared/storage.ts';
import { AuthClient } from './shared/auth-client.ts';
import { ClinicsRepository } from './clinics/clinics.repository.ts';
import { ClinicsService } from './clinics/clinics.service.ts';
import { clinicRoutes, mediaRoutes, vendorClinicRoutes } from './clinics/clinics.routes.ts';
import { SearchRepository } from './search/search.repository.ts';
import { SearchService } from './search/search.service.ts';
import { searchRoutes } from './search/search.routes.ts';
import { CatalogueRepository } from './catalogue/catalogue.repository.ts';
import { CatalogueService } from './catalogue/catalogue.service.ts';
import { catalogueRoutes } from './catalogue/catalogue.routes.ts';
import { StaffRepository } from './staff/staff.repository.ts';
import { StaffService } from './staff/staff.service.ts';
import { staffRoutes } from './staff/staff.routes.ts';
import { InvitationsRepository } from './staff/invitations.repository.ts';
import { InvitationsService } from './staff/invitations.service.ts';
import { OnboardingRepository } from './onboarding/onboarding.repository.ts';
import { OnboardingService } from './onboarding/onboarding.service.ts';
import { ApprovalService } from './onboarding/approval.service.ts';
import { onboardingRoutes } from './onboarding/onboarding.routes.ts';
import { adminOnboardingRoutes } from './onboarding/admin.routes.ts';
import { OutboxRepository } from './mail/outbox.repository.ts';
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
  const clinics = new ClinicsRepository(ctx.db);
  const catalogue = new CatalogueRepository(ctx.db);
  const staff = new StaffRepository(ctx.db);
  const onboarding = new OnboardingRepository(ctx.db);
  const outbox = new OutboxRepository(ctx.db);

  // One upload budget per account for photos and documents alike.
  const uploads = { maxPixels: config.IMAGE_MAX_PIXELS, quota: uploadQuota(ctx.db, config.UPLOADS_PER_HOUR) };
  const clinicsService = new ClinicsService({
    clinics,
    db: ctx.db,
    files,
    photoMaxCount: config.CLINIC_MAX_PHOTOS,
    uploads,
  });
  const searchService = new SearchService({ search: new SearchRepository(ctx.db), clinics });
  const catalogueService = new CatalogueService({ db: ctx.db, catalogue, clinics, clinicsService });
  const staffService = new StaffService({ db: ctx.db, staff, catalogue, clinicsService, auth, log: ctx.log });
  const dispatcher = new OutboxDispatcher({
    db: ctx.db,
    outbox,
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
  const invitationsService = new InvitationsService({
    db: ctx.db,
    staff,
    invitations: new InvitationsRepository(ctx.db),
    staffService,
    clinicsService,
    auth,
    mailer: ctx.mailer,
    mailQuota,
    log: ctx.log,
    ttlDays: config.CLINIC_STAFF_INVITATION_TTL_DAYS,
    appUrl: ctx.urls.app,
  });
  const onboardingService = new OnboardingService({
    db: ctx.db,
    uploads,
    repo: onboarding,
    outbox,
    dispatcher,
    files,
    auth,
    mailer: ctx.mailer,
    log: ctx.log,
    config: {
      documentMaxCount: config.CLINIC_MAX_DOCUMENTS,
      codeTtlMinutes: config.CLINIC_CONTACT_CODE_TTL_MINUTES,
      codeMaxAttempts: config.CLINIC_CONTACT_CODE_MAX_ATTEMPTS,
      codeResendSeconds: config.CLINIC_CONTACT_CODE_RESEND_SECONDS,
      codeSecret: ctx.config.SERVICE_SECRET!,
    },
    mailQuota,
  });
  const approvals = new ApprovalService({
    db: ctx.db,
    repo: onboarding,
    clinics,
    catalogue,
    outbox,
    dispatcher,
    auth,
    log: ctx.log,
    retryBaseMs: config.CLINIC_RETRY_BASE_MS,
    retryMaxMs: config.CLINIC_RETRY_MAX_MS,
  });

  // One router for every public path of this service, so that 405s are computed over all of them.
  const api = new ApiRouter(openapi, '/api/v1');
  searchRoutes(api, { service: searchService });
  clinicRoutes(api, { service: clinicsService, verifier: ctx.verifier, photoMaxBytes: config.CLINIC_PHOTO_MAX_BYTES });
  catalogueRoutes(api, { service: catalogueService, verifier: ctx.verifier });
  staffRoutes(api, { service: staffService, invitations: invitationsService, verifier: ctx.verifier });
  vendorClinicRoutes(api, { service: clinicsService, clinics, verifier: ctx.verifier });
  onboardingRoutes(api, {
    service: onboardingService,
    verifier: ctx.verifier,
    documentMaxBytes: config.CLINIC_DOCUMENT_MAX_BYTES,
  });
  adminOnboardingRoutes(api, { service: onboardingService, approvals, repo: onboarding, verifier: ctx.verifier });
  mediaRoutes(api, { service: clinicsService });
  app.use('/api/v1', api.finish());
  app.use('/internal', internalRoutes({ credentials: ctx.credentials, clinics, staff, catalogue }));
  // The feed of availability events the booking service follows (src/events), kept a week.
  const feed = new ApiRouter(createOpenApiRegistry());
  eventFeedRoutes(feed, { db: ctx.db, credentials: ctx.credentials, callers: ['booking'] });
  app.use(feed.finish());
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
