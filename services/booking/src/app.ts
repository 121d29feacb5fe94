import type { Express } from 'express';
import {
  ApiRouter,
  ChannelRegistry,
  WindowQuota,
  createSmsSender,
  emailChannel,
  smsChannel,
  createAppFor,
  createStore,
  finishApp,
  runEvery,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseBookingConfig } from './config.ts';
import { repositoriesOver } from './store.ts';
import { ClinicDirectory } from './upstream/clinic.client.ts';
import { PetDirectory } from './upstream/pets.client.ts';
import { ClinicAccess } from './shared/clinic-access.ts';
import { SchedulesService } from './schedules/schedules.service.ts';
import { schedulesRoutes } from './schedules/schedules.routes.ts';
import { AvailabilityService } from './availability/availability.service.ts';
import { availabilityRoutes } from './availability/availability.routes.ts';
import { BookingsService } from './bookings/bookings.service.ts';
import { bookingsRoutes } from './bookings/bookings.routes.ts';
import { RecipientDirectory } from './upstream/recipients.client.ts';
import { RemindersService } from './reminders/reminders.service.ts';
import { remindersRoutes } from './reminders/reminders.routes.ts';
import { ReminderWorker } from './reminders/reminders.worker.ts';
import { AgendaMailer } from './reminders/agenda.ts';

export type { DB };

/** The booking service: everything wired, nothing listening. */
export function buildApp(ctx: ServiceContext<DB>): Express {
  const config = parseBookingConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  const store = createStore(ctx.db, repositoriesOver);
  const clinics = new ClinicDirectory(ctx.client, config.BOOKING_CLINIC_CACHE_SECONDS * 1000);
  const pets = new PetDirectory(ctx.client);
  const access = new ClinicAccess(clinics);
  const schedules = new SchedulesService(store, access);
  const availability = new AvailabilityService(store, clinics);
  const recipients = new RecipientDirectory(ctx.client);
  const reminders = new RemindersService({ store, recipients, log: ctx.log });
  const bookings = new BookingsService({
    store,
    clinics,
    pets,
    access,
    reminders,
    idempotencyTtlMs: config.BOOKING_IDEMPOTENCY_TTL_HOURS * 3_600_000,
  });

  // Reminders go out through the kit's channel registry: email and sms here; push and in_app plug in
  // by registering their senders (until then their reminders wait, recorded as channel_unavailable).
  const channels = buildChannels(ctx, config);
  const worker = new ReminderWorker(
    { store, channels, recipients, clinics, log: ctx.log, metrics: ctx.metrics },
    {
      batchSize: config.BOOKING_REMINDER_BATCH,
      concurrency: config.BOOKING_REMINDER_CONCURRENCY,
      leaseMs: config.BOOKING_REMINDER_LEASE_SECONDS * 1_000,
      maxAttempts: config.BOOKING_REMINDER_MAX_ATTEMPTS,
      bookingUrl: (id) => `${ctx.urls.app ?? ctx.urls.gateway}/bookings/${id}`,
    },
  );
  // Every replica runs the worker; SKIP LOCKED shares the due reminders between them.
  ctx.onClose.push(
    runEvery(config.BOOKING_REMINDER_POLL_MS, () => worker.drain(), {
      log: ctx.log,
      failure: 'reminder pass failed',
      level: 'error',
    }),
  );
  const agenda = new AgendaMailer({ store, clinics, recipients, mailer: ctx.mailer, log: ctx.log });
  ctx.onClose.push(
    runEvery(config.BOOKING_AGENDA_POLL_MS, () => agenda.sendDue(), { log: ctx.log, failure: 'agenda pass failed' }),
  );

  // Expired idempotency keys are refused by the queries already; this only keeps the table small.
  ctx.onClose.push(
    runEvery(3_600_000, () => store.repos.idempotency.purgeExpired(), {
      log: ctx.log,
      failure: 'idempotency key purge failed',
    }),
  );

  // Every feature declares its endpoints, paths written out whole, on the service's one router.
  const api = new ApiRouter(openapi);
  const deps = { verifier: ctx.verifier, schedules, availability, bookings, reminders };
  schedulesRoutes(api, deps);
  availabilityRoutes(api, deps);
  bookingsRoutes(api, deps);
  remindersRoutes(api, deps);
  app.use(api.finish());
  return finishApp(app);
}

/**
 * The channels this service sends on. The SMS sender (SMS_PROVIDER) counts each text against a
 * per-phone daily cap and the sms channel against a per-account one, both in this service's database.
 */
function buildChannels(ctx: ServiceContext<DB>, config: ReturnType<typeof parseBookingConfig>): ChannelRegistry {
  const day = { windowSeconds: 86_400, code: 'sms_limit_reached' };
  const perPhone = new WindowQuota(ctx.db, {
    ...day,
    limit: config.SMS_PER_PHONE_PER_DAY,
    message: 'This phone number has received its texts for today',
  });
  const perAccount = new WindowQuota(ctx.db, {
    ...day,
    limit: config.BOOKING_SMS_PER_ACCOUNT_PER_DAY,
    message: 'This account has received its texts for today',
  });
  const sms = createSmsSender({ ...config, PETPRO_DATA_DIR: ctx.config.PETPRO_DATA_DIR }, ctx.log, (phone) =>
    perPhone.consume(`sms:phone:${phone}`),
  );
  return new ChannelRegistry()
    .register(emailChannel(ctx.mailer, { messageIdDomain: new URL(ctx.urls.gateway).hostname }))
    .register(smsChannel(sms, { cap: (recipient) => perAccount.consume(`sms:account:${recipient.userId}`) }));
}

export const definition: ServiceDefinition<DB> = {
  name: 'booking',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
