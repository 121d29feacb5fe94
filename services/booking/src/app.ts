import type { Express } from 'express';
import {
  ApiRouter,
  type ChannelSender,
  createAppFor,
  createOpenApiRegistry,
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
import { ClinicAccess } from './shared/clinic-access.ts';
import { SchedulesService } from './schedules/schedules.service.ts';
import { schedulesRoutes } from './schedules/schedules.routes.ts';
import { AvailabilityService } from './availability/availability.service.ts';
import { availabilityRoutes } from './availability/availability.routes.ts';
import { BookingsService } from './bookings/bookings.service.ts';
import { bookingsRoutes } from './bookings/bookings.routes.ts';
import { inAppChannel, NotificationsService } from './notifications/notifications.service.ts';
import { notificationsRoutes } from './notifications/notifications.routes.ts';
import { PushSubscriptionDirectory } from './upstream/push-subscriptions.client.ts';
import { Nudges, nudgingAfterCommit } from './realtime/nudges.ts';
import { RealtimeService } from './realtime/realtime.service.ts';
import { RealtimeHub } from './realtime/realtime.hub.ts';
import { RealtimeServer } from './realtime/realtime.server.ts';
import { realtimeInternalRoutes, realtimeRoutes } from './realtime/realtime.routes.ts';

export type { DB };

/**
 * The notification channels built here, for the reminder worker's ChannelRegistry: `in_app` (the inbox
 * and its socket event) always, `push` when VAPID keys are configured. The worker registers each.
 */
export function notificationChannels(ctx: ServiceContext<DB>, notifications: NotificationsService): ChannelSender[] {
  const senders = [inAppChannel(notifications)];
  const push = parsePushConfig(ctx.env, ctx.config);
  if (push.vapid) {
    const delivery = createWebPushDelivery(push, push.vapid);
    ctx.onClose.push(() => delivery.close());
    senders.push(pushChannel({ subscriptions: new PushSubscriptionDirectory(ctx.client), delivery, log: ctx.log }));
  }
  return senders;
}

/** The booking service: everything wired, nothing listening. */
export async function buildApp(ctx: ServiceContext<DB>): Promise<Express> {
  const config = parseBookingConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  // Every commit nudges the real-time hubs of every replica (Redis pub/sub with REDIS_URL).
  const nudges = new Nudges({ redisUrl: ctx.config.REDIS_URL, prefix: ctx.config.REDIS_KEY_PREFIX, log: ctx.log });
  const store = nudgingAfterCommit(createStore(ctx.db, repositoriesOver), nudges);
  const clinics = new ClinicDirectory(ctx.client, config.BOOKING_CLINIC_CACHE_SECONDS * 1000);
  const pets = new PetDirectory(ctx.client);
  const access = new ClinicAccess(clinics);
  const schedules = new SchedulesService(store, access);
  const availability = new AvailabilityService(store, clinics);
  const bookings = new BookingsService({
    store,
    clinics,
    pets,
    access,
    idempotencyTtlMs: config.BOOKING_IDEMPOTENCY_TTL_HOURS * 3_600_000,
  });

  const notifications = new NotificationsService(store);
  const realtime = new RealtimeService(store, access, clinics);
  const hub = new RealtimeHub(store, ctx.log, {
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
    runEvery(600_000, () => Promise.all([hub.purge(), realtime.purgeExpiredTickets()]), {
      log: ctx.log,
      failure: 'outbox and ticket purge failed',
    }),
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
  const deps = {
    verifier: ctx.verifier,
    credentials: ctx.credentials,
    schedules,
    availability,
    bookings,
    realtime,
    notifications,
  };
  schedulesRoutes(api, deps);
  availabilityRoutes(api, deps);
  bookingsRoutes(api, deps);
  realtimeRoutes(api, deps);
  notificationsRoutes(api, deps);
  app.use(api.finish());
  // Service-to-service routes, on a second router whose document is not published.
  const internal = new ApiRouter(createOpenApiRegistry());
  realtimeInternalRoutes(internal, deps);
  app.use(internal.finish());
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'booking',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
