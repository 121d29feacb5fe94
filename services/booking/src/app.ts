import type { Express } from 'express';
import {
  ApiRouter,
  ChannelRegistry,
  WindowQuota,
  createSmsSender,
  emailChannel,
  smsChannel,
  createAppFor,
  createDatabase,
  createOpenApiRegistry,
  serviceDatabaseUrl,
  createStore,
  createWebPushDelivery,
  parsePushConfig,
  pushChannel,
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
import { followClinicEvents } from './upstream/clinic-events.ts';
import { followUserEvents } from './upstream/user-events.ts';
import { ClinicAccess } from './shared/clinic-access.ts';
import { SchedulesService } from './schedules/schedules.service.ts';
import { schedulesRoutes } from './schedules/schedules.routes.ts';
import { AvailabilityService } from './availability/availability.service.ts';
import { availabilityRoutes } from './availability/availability.routes.ts';
import { BookingsService } from './bookings/bookings.service.ts';
import { bookingsRoutes } from './bookings/bookings.routes.ts';
import { inAppChannel, NotificationsService } from './notifications/notifications.service.ts';
import { notificationsInternalRoutes, notificationsRoutes } from './notifications/notifications.routes.ts';
import { PushSubscriptionDirectory } from './upstream/push-subscriptions.client.ts';
import { Nudges, nudgingAfterCommit } from './realtime/nudges.ts';
import { RealtimeService } from './realtime/realtime.service.ts';
import { RealtimeHub } from './realtime/realtime.hub.ts';
import { RealtimeServer } from './realtime/realtime.server.ts';
import { realtimeInternalRoutes, realtimeRoutes } from './realtime/realtime.routes.ts';
import { RecipientDirectory } from './upstream/recipients.client.ts';
import { RemindersService } from './reminders/reminders.service.ts';
import { remindersRoutes } from './reminders/reminders.routes.ts';
import { ReminderWorker } from './reminders/reminders.worker.ts';
import { AgendaMailer } from './reminders/agenda.ts';

export type { DB };

/** The booking service: everything wired, nothing listening. */
export async function buildApp(ctx: ServiceContext<DB>): Promise<Express> {
  const config = parseBookingConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  // Every commit nudges the real-time hubs of every replica (Redis pub/sub with REDIS_URL).
  const nudges = new Nudges({ redisUrl: ctx.config.REDIS_URL, prefix: ctx.config.REDIS_KEY_PREFIX, log: ctx.log });
  const store = nudgingAfterCommit(createStore(ctx.db, repositoriesOver), nudges);
  const clinics = new ClinicDirectory(ctx.client, config.BOOKING_CLINIC_CACHE_SECONDS * 1000);
  const pets = new PetDirectory(ctx.client, ctx.log);
  const access = new ClinicAccess(clinics);
  const schedules = new SchedulesService(store, access);
  const availability = new AvailabilityService(store, clinics);
  const recipients = new RecipientDirectory(ctx.client);
  const reminders = new RemindersService({ store });
  const bookings = new BookingsService({
    store,
    clinics,
    pets,
    access,
    reminders,
    idempotencyTtlMs: config.BOOKING_IDEMPOTENCY_TTL_HOURS * 3_600_000,
  });

  const notifications = new NotificationsService(store, config.BOOKING_INBOX_KEEP_DAYS);
  const realtime = new RealtimeService(store, access, clinics);
  // The hub reads the outbox on connections of its own: a burst of bookings holding every pooled
  // connection must not make delivery wait behind it.
  const hubDatabase = createDatabase<DB>(serviceDatabaseUrl('booking', ctx.env)!, {
    max: 2,
    appName: 'petpro-booking-realtime',
    statementTimeoutMs: ctx.config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const hub = new RealtimeHub(createStore(hubDatabase.db, repositoriesOver), ctx.log, {
    pollMs: config.BOOKING_REALTIME_POLL_MS,
    revocations: ctx.revocations,
    keepMs: config.BOOKING_OUTBOX_KEEP_HOURS * 3_600_000,
  });
  await hub.start();
  nudges.onNudge(() => hub.nudge());
  const sockets = new RealtimeServer({
    hub,
    realtime,
    verifier: ctx.verifier,
    credentials: ctx.credentials,
    log: ctx.log,
    metrics: ctx.metrics,
    revocations: ctx.revocations,
    limits: {
      maxSockets: config.BOOKING_WS_MAX_SOCKETS,
      maxPerUser: config.BOOKING_WS_MAX_PER_USER,
      heartbeatMs: config.BOOKING_WS_HEARTBEAT_MS,
      maxBufferBytes: config.BOOKING_WS_MAX_BUFFER_BYTES,
      maxMessageBytes: config.BOOKING_WS_MAX_MESSAGE_BYTES,
      messagesPer10s: config.BOOKING_WS_MESSAGES_PER_10S,
    },
  });
  ctx.onListening.push((server) => sockets.attach(server));
  ctx.onDraining.push(() => sockets.drain());
  ctx.onClose.push(
    () => hub.stop(),
    () => nudges.close(),
    () => hubDatabase.close(),
    runEvery(600_000, () => Promise.all([hub.purge(), realtime.purgeExpiredTickets()]), {
      log: ctx.log,
      failure: 'outbox and ticket purge failed',
    }),
  );

  // Reminders go out through the kit's channel registry: email, sms, in_app, and push when VAPID keys are set.
  const channels = buildChannels(ctx, config, notifications);
  const worker = new ReminderWorker(
    { store, channels, recipients, clinics, log: ctx.log, metrics: ctx.metrics },
    {
      batchSize: config.BOOKING_REMINDER_BATCH,
      concurrency: config.BOOKING_REMINDER_CONCURRENCY,
      leaseMs: config.BOOKING_REMINDER_LEASE_SECONDS * 1_000,
      maxAttempts: config.BOOKING_REMINDER_MAX_ATTEMPTS,
      bookingUrl: (id) => `${ctx.urls.app ?? ctx.urls.gateway}/bookings/${id}`,
      petUrl: (id) => `${ctx.urls.app ?? ctx.urls.gateway}/pets/${id}`,
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

  // Medical records and pets arrive through the user service's event feed: care reminders follow them.
  ctx.onClose.push(
    followUserEvents({
      db: ctx.db,
      client: ctx.client,
      recipients,
      log: ctx.log,
      intervalMs: config.BOOKING_REALTIME_POLL_MS,
      hour: config.CARE_REMINDER_LOCAL_HOUR,
    }),
  );

  // Clinic-side changes to what can be booked arrive through the clinic service's event feed.
  ctx.onClose.push(
    followClinicEvents({
      db: ctx.db,
      client: ctx.client,
      clinics,
      log: ctx.log,
      intervalMs: config.BOOKING_REALTIME_POLL_MS,
      recorded: () => nudges.publish(),
    }),
  );

  // Expired idempotency keys are refused by the queries already; this only keeps the table small. The
  // inbox keeps BOOKING_INBOX_KEEP_DAYS.
  ctx.onClose.push(
    runEvery(3_600_000, () => Promise.all([store.repos.idempotency.purgeExpired(), notifications.purgeExpired()]), {
      log: ctx.log,
      failure: 'idempotency key or inbox purge failed',
    }),
  );

  // Every feature declares its endpoints, paths written out whole, on the service's one router.
  const api = new ApiRouter(openapi);
  const deps = {
    verifier: ctx.verifier,
    credentials: ctx.credentials,
    schedules,
    availability,
    bookings,
    realtime,
    reminders,
    notifications,
  };
  schedulesRoutes(api, deps);
  availabilityRoutes(api, deps);
  bookingsRoutes(api, deps);
  realtimeRoutes(api, deps);
  remindersRoutes(api, deps);
  notificationsRoutes(api, deps);
  app.use(api.finish());
  // Service-to-service routes, on a second router whose document is not published.
  const internal = new ApiRouter(createOpenApiRegistry());
  realtimeInternalRoutes(internal, deps);
  notificationsInternalRoutes(internal, deps);
  app.use(internal.finish());
  return finishApp(app);
}

/**
 * The channels this service sends on. The SMS sender (SMS_PROVIDER) counts each text against a
 * per-phone daily cap and the sms channel against a per-account one, both in this service's database.
 * `in_app` stores an inbox entry (and its socket event); `push` is there when VAPID keys are configured.
 */
function buildChannels(
  ctx: ServiceContext<DB>,
  config: ReturnType<typeof parseBookingConfig>,
  notifications: NotificationsService,
): ChannelRegistry {
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
  const channels = new ChannelRegistry()
    .register(emailChannel(ctx.mailer, { messageIdDomain: new URL(ctx.urls.gateway).hostname }))
    .register(smsChannel(sms, { cap: (recipient) => perAccount.consume(`sms:account:${recipient.userId}`) }))
    .register(inAppChannel(notifications));
  const push = parsePushConfig(ctx.env, ctx.config);
  if (push.vapid) {
    const delivery = createWebPushDelivery(push, push.vapid);
    ctx.onClose.push(() => delivery.close());
    channels.register(
      pushChannel({ subscriptions: new PushSubscriptionDirectory(ctx.client), delivery, log: ctx.log }),
    );
  }
  return channels;
}

export const definition: ServiceDefinition<DB> = {
  name: 'booking',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
