import { z, splitList, type ApiRouter, type ServiceCredentials } from '@petpro/kit';
import type { PreferencesService } from '../preferences/preferences.service.ts';
import type { PetsService } from '../pets/pets.service.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import { InternalPreferencesSchema } from '../preferences/preferences.schemas.ts';
import {
  InternalBooker,
  InternalPets,
  InternalProfile,
  type InternalBookerAnswer,
  type InternalPetsAnswer,
  type InternalPreferencesAnswer,
  type InternalProfileAnswer,
} from '@petpro/contracts';
import { IdParam } from '../shared/strings.ts';

const UserParams = z.object({ userId: IdParam });
const PurgeAnswer = z.object({ purged: z.number().int() });
// An id that is not a UUID cannot be anyone's pet: it is left out of the answer like any stranger's id.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PetIdsQuery = z.strictObject({
  ids: z
    .string()
    .transform((v) => [...new Set(splitList(v))])
    .pipe(z.array(z.string()).min(1, 'must name at least one pet').max(50, 'must name at most 50 pets'))
    .transform((ids) => ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase())),
});

/**
 * Endpoints for other PetPro services only (service credential); never routed by the gateway. Their
 * schemas validate like the public ones but stay out of the public OpenAPI document.
 */
export function internalRoutes(
  api: ApiRouter,
  deps: {
    credentials: ServiceCredentials;
    preferences: PreferencesService;
    pets: PetsService;
    profiles: ProfilesService;
  },
): void {
  const tags = ['internal'];
  const only = deps.credentials.require.bind(deps.credentials);

  // Booking reminders and clinic mails: which channels a user wants, in which language.
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{userId}/preferences',
      summary: 'A user’s notification preferences and language',
      tags,
      params: UserParams,
      responses: {
        200: {
          description: 'Preferences (defaults for a user who never saved any)',
          schema: InternalPreferencesSchema,
        },
      },
    },
    only('booking', 'clinic'),
    async (req, reply) => {
      const prefs = await deps.preferences.findByUserId(req.valid.params.userId);
      return reply(200, { userId: req.valid.params.userId, ...prefs } satisfies InternalPreferencesAnswer);
    },
  );
  // The booking service of the previous release asks this (a rolling deploy runs both for a while);
  // the current one asks `/booker` below. Remove in the release after.
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{userId}/pets',
      summary: 'Which of the given pets are the user’s (deleted pets are not); superseded by /booker',
      tags,
      params: UserParams,
      query: PetIdsQuery,
      responses: { 200: { description: 'The user’s pets among the ids', schema: InternalPets } },
    },
    only('booking'),
    async (req, reply) => {
      const items = await deps.pets.ownedAmong(req.valid.params.userId, req.valid.query.ids);
      return reply(200, { items } satisfies InternalPetsAnswer);
    },
  );
  // A new booking: that its pets are the booker's (deleted pets are not), and the preferences its
  // reminders start from, in one call.
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{userId}/booker',
      summary: 'Which of the given pets are the user’s, with the user’s preferences',
      tags,
      params: UserParams,
      query: PetIdsQuery,
      responses: { 200: { description: 'The user’s pets among the ids, and preferences', schema: InternalBooker } },
    },
    only('booking'),
    async (req, reply) => {
      const { userId } = req.valid.params;
      const [items, preferences] = await Promise.all([
        deps.pets.ownedAmong(userId, req.valid.query.ids),
        deps.preferences.findByUserId(userId),
      ]);
      return reply(200, { items, preferences: { userId, ...preferences } } satisfies InternalBookerAnswer);
    },
  );
  // Clinics see who booked: the owner's name and phone.
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{userId}/profile',
      summary: 'A user’s contact details',
      tags,
      params: UserParams,
      responses: {
        200: { description: 'Profile contact fields', schema: InternalProfile },
        404: { description: 'The user never opened their profile' },
      },
    },
    only('booking', 'clinic'),
    async (req, reply) =>
      reply(200, (await deps.profiles.findContact(req.valid.params.userId)) satisfies InternalProfileAnswer),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/internal/maintenance/purge-deleted-pets',
      summary: 'Remove for good the pets deleted before the restore window (also runs hourly)',
      tags,
      responses: { 200: { description: 'How many were purged', schema: PurgeAnswer } },
    },
    only('ops'),
    async (_req, reply) => reply(200, { purged: await deps.pets.purgeExpired() }),
  );
}
