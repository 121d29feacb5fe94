import type { Express } from 'express';
import {
  ApiRouter,
  createAppFor,
  createOpenApiRegistry,
  eventFeedRoutes,
  purgeFeedEvents,
  parsePushConfig,
  finishApp,
  runEvery,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
  createStore,
  uploadQuota,
} from '@petpro/kit';
import { repositoriesOver } from './store.ts';
import type { DB } from './db.ts';
import { parseUserConfig, type UserConfig } from './config.ts';
import type { MediaStorage } from './media/storage.ts';
import { LocalMediaStorage } from './media/local-storage.ts';
import { S3MediaStorage } from './media/s3-storage.ts';
import { MediaService } from './media/media.service.ts';
import { mediaRoutes } from './media/media.routes.ts';
import { ProfilesService } from './profiles/profiles.service.ts';
import { profilesRoutes } from './profiles/profiles.routes.ts';
import { PetsService } from './pets/pets.service.ts';
import { petsRoutes } from './pets/pets.routes.ts';
import { MedicalRecordsService } from './medical-records/medical-records.service.ts';
import { medicalRecordsRoutes } from './medical-records/medical-records.routes.ts';
import { PreferencesService } from './preferences/preferences.service.ts';
import { preferencesRoutes } from './preferences/preferences.routes.ts';
import { FavouritesService } from './favourites/favourites.service.ts';
import { favouritesRoutes } from './favourites/favourites.routes.ts';
import { internalRoutes } from './internal/internal.routes.ts';
import { providerProfileRoutes } from './profiles/provider-profile.routes.ts';
import { PushService } from './push/push.service.ts';
import { pushInternalRoutes, pushRoutes } from './push/push.routes.ts';

export type { DB };

const PURGE_EVERY_MS = 3_600_000;

/** The media storage the configuration selects. */
export function createMediaStorage(config: UserConfig): MediaStorage {
  if (config.MEDIA_STORAGE === 's3') {
    return new S3MediaStorage({
      endpoint: config.S3_ENDPOINT!,
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      credentials: {
        accessKeyId: config.S3_ACCESS_KEY_ID!,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
        sessionToken: config.S3_SESSION_TOKEN,
      },
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      prefix: config.S3_PREFIX,
    });
  }
  return new LocalMediaStorage(config.MEDIA_DIR);
}

/** The user service: everything wired, nothing listening. */
export function buildApp(ctx: ServiceContext<DB>): Express {
  const config = parseUserConfig(ctx.env, ctx.config);
  const { app, openapi } = createAppFor(ctx);

  const store = createStore(ctx.db, repositoriesOver);
  const storage = createMediaStorage(config);
  const media = new MediaService(store, storage, ctx.log, {
    maxPixels: config.IMAGE_MAX_PIXELS,
    quota: uploadQuota(ctx.db, config.UPLOADS_PER_HOUR),
  });
  const profiles = new ProfilesService({ store, media });
  const preferences = new PreferencesService(store);
  const pets = new PetsService({
    store,
    media,
    log: ctx.log,
    restoreDays: config.PET_RESTORE_DAYS,
    maxPetsPerUser: config.PETS_PER_USER_MAX,
    today: (ownerId) => preferences.today(ownerId),
  });
  const records = new MedicalRecordsService({
    store,
    pets,
    today: (ownerId) => preferences.today(ownerId),
  });
  const favourites = new FavouritesService(store);
  const pushConfig = parsePushConfig(ctx.env, ctx.config);
  const push = new PushService({
    store,
    vapid: pushConfig.vapid,
    allowLocalEndpoints: pushConfig.PUSH_ALLOW_LOCAL_ENDPOINTS,
    maxPerUser: config.PUSH_SUBSCRIPTIONS_PER_USER_MAX,
  });

  // Pets past the restore window go for good: at start and hourly (any replica may do it; rows are locked).
  ctx.onClose.push(
    runEvery(PURGE_EVERY_MS, () => pets.purgeExpired(), {
      log: ctx.log,
      failure: 'pet purge failed',
      firstAfterMs: 5_000,
    }),
  );

  // Every feature declares its endpoints, paths written out whole, on the service's one router.
  const api = new ApiRouter(openapi);
  const deps = {
    verifier: ctx.verifier,
    credentials: ctx.credentials,
    uploadMaxBytes: config.UPLOAD_MAX_BYTES,
    mediaUrl: config.MEDIA_PUBLIC_URL,
    profiles,
    preferences,
    favourites,
    pets,
    records,
    media,
    push,
  };
  profilesRoutes(api, deps);
  preferencesRoutes(api, deps);
  favouritesRoutes(api, deps);
  petsRoutes(api, deps);
  medicalRecordsRoutes(api, deps);
  mediaRoutes(api, deps);
  pushRoutes(api, deps);
  app.use(api.finish());
  // Service-to-service endpoints: validated alike, kept out of the published OpenAPI document.
  const internal = new ApiRouter(createOpenApiRegistry());
  internalRoutes(internal, deps);
  providerProfileRoutes(internal, deps);
  pushInternalRoutes(internal, deps);
  // The feed of medical record and pet events the booking service follows for care reminders, kept a week.
  eventFeedRoutes(internal, { db: ctx.db, credentials: ctx.credentials, callers: ['booking'] });
  app.use(internal.finish());
  ctx.onClose.push(
    runEvery(3_600_000, () => purgeFeedEvents(ctx.db, 7 * 86_400_000), { log: ctx.log, failure: 'feed purge failed' }),
  );
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'user',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
