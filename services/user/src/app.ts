import type { Express } from 'express';
import {
  ApiRouter,
  createAppFor,
  createOpenApiRegistry,
  createStore,
  eventFeedRoutes,
  purgeFeedEvents,
  parsePushConfig,
  finishApp,
  runEvery,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
  uploadQuota,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseUserConfig, type UserConfig } from './config.ts';
import type { MediaStorage } from './media/storage.ts';
import { LocalMediaStorage } from './media/local-storage.ts';
import { S3MediaStorage } from './media/s3-storage.ts';
import { MediaService } from './media/media.service.ts';
import { ImagesRepository } from './media/images.repository.ts';
import { mediaRoutes } from './media/media.routes.ts';
import { ProfilesRepository } from './profiles/profiles.repository.ts';
import { ProfilesService } from './profiles/profiles.service.ts';
import { profilesRoutes } from './profiles/profiles.routes.ts';
import { PetsRepository } from './pets/pets.repository.ts';
import { PetsService } from './pets/pets.service.ts';
import { petsRoutes } from './pets/pets.routes.ts';
import { MedicalRecordsRepository } from './medical-records/medical-records.repository.ts';
import { MedicalRecordsService } from './medical-records/medical-records.service.ts';
import { medicalRecordsRoutes } from './medical-records/medical-records.routes.ts';
import { PreferencesRepository } from './preferences/preferences.repository.ts';
import { PreferencesService } from './preferences/preferences.service.ts';
import { preferencesRoutes } from './preferences/preferences.routes.ts';
import { FavouritesRepository } from './favourites/favourites.repository.ts';
import { FavouritesService } from './favourites/favourites.service.ts';
import { favouritesRoutes } from './favourites/favourites.routes.ts';
import { internalRoutes } from './internal/internal.routes.ts';
import { PushSubscriptionsRepository } from './push/push.repository.ts';
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

  const storage = createMediaStorage(config);
  const media = new MediaService(storage, config.MEDIA_PUBLIC_URL, ctx.log, {
    maxPixels: config.IMAGE_MAX_PIXELS,
    quota: uploadQuota(ctx.db, config.UPLOADS_PER_HOUR),
  });
  const images = new ImagesRepository(ctx.db);
  const profilesRepo = new ProfilesRepository(ctx.db);
  const petsRepo = new PetsRepository(ctx.db);
  const profiles = new ProfilesService({ profiles: profilesRepo, images, pets: petsRepo, media });
  const preferences = new PreferencesService(new PreferencesRepository(ctx.db));
  const pets = new PetsService({
    db: ctx.db,
    pets: petsRepo,
    images,
    media,
    log: ctx.log,
    restoreDays: config.PET_RESTORE_DAYS,
    maxPetsPerUser: config.PETS_PER_USER_MAX,
    today: (ownerId) => preferences.today(ownerId),
  });
  const records = new MedicalRecordsService({
    db: ctx.db,
    records: new MedicalRecordsRepository(ctx.db),
    pets,
    today: (ownerId) => preferences.today(ownerId),
  });
  const favourites = new FavouritesService(new FavouritesRepository(ctx.db));
  const pushConfig = parsePushConfig(ctx.env, ctx.config);
  const push = new PushService({
    store: createStore(ctx.db, (db) => ({ pushSubscriptions: new PushSubscriptionsRepository(db) })),
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

  app.use('/api/v1', profilesRoutes(openapi, profiles, ctx.verifier, config.UPLOAD_MAX_BYTES).finish());
  app.use('/api/v1', preferencesRoutes(openapi, preferences, ctx.verifier).finish());
  app.use('/api/v1', favouritesRoutes(openapi, favourites, ctx.verifier).finish());
  app.use('/api/v1', petsRoutes(openapi, pets, ctx.verifier, config.UPLOAD_MAX_BYTES).finish());
  app.use('/api/v1', medicalRecordsRoutes(openapi, records, ctx.verifier).finish());
  app.use('/api/v1/media/user', mediaRoutes(storage, pets));
  // Converted features: whole paths on one router (public) and one unpublished router (internal).
  const api = new ApiRouter(openapi);
  const internal = new ApiRouter(createOpenApiRegistry());
  const deps = { verifier: ctx.verifier, credentials: ctx.credentials, push };
  pushRoutes(api, deps);
  pushInternalRoutes(internal, deps);
  // The feed of medical record and pet events the booking service follows for care reminders, kept a week.
  eventFeedRoutes(internal, { db: ctx.db, credentials: ctx.credentials, callers: ['booking'] });
  app.use(api.finish());
  app.use(internal.finish());
  ctx.onClose.push(
    runEvery(3_600_000, () => purgeFeedEvents(ctx.db, 7 * 86_400_000), { log: ctx.log, failure: 'feed purge failed' }),
  );
  app.use('/internal', internalRoutes({ credentials: ctx.credentials, preferences, pets, profiles: profilesRepo }));
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'user',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
