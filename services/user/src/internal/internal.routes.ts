import express, { type Router } from 'express';
import { ApiRouter, NotFoundError, createOpenApiRegistry, z, type ServiceCredentials, splitList } from '@petpro/kit';
import type { PreferencesService } from '../preferences/preferences.service.ts';
import type { PetsService } from '../pets/pets.service.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import { InternalPreferencesSchema } from '../preferences/preferences.schemas.ts';
import {
  InternalPets,
  InternalProfile,
  type InternalPetsAnswer,
  type InternalPreferencesAnswer,
  type InternalProfileAnswer,
} from '@petpro/contracts';
import { IdParam } from '../shared/strings.ts';

const UserParams = z.object({ userId: IdParam });
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
export function internalRoutes(deps: {
  credentials: ServiceCredentials;
  preferences: PreferencesService;
  pets: PetsService;
  profiles: ProfilesRepository;
}): Router {
  const api = new ApiRouter(createOpenApiRegistry(), '/internal');
  const tags = ['internal'];
  const only = deps.credentials.require.bind(deps.credentials);

  // Booking reminders and clinic mails: which channels a user wants, in which language.
  api.route(
    {
      method: 'get',
      path: '/users/{userId}/preferences',
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
    async (req, res) => {
      const prefs = await deps.preferences.get(req.valid.params.userId);
      res.json({ userId: req.valid.params.userId, ...prefs } satisfies InternalPreferencesAnswer);
    },
  );
  // Booking checks that the pets of a booking belong to the booker.
  api.route(
    {
      method: 'get',
      path: '/users/{userId}/pets',
      summary: 'Which of the given pets are the user’s (deleted pets are not)',
      tags,
      params: UserParams,
      query: PetIdsQuery,
      responses: { 200: { description: 'The user’s pets among the ids', schema: InternalPets } },
    },
    only('booking'),
    async (req, res) => {
      res.json({
        items: await deps.pets.ownedAmong(req.valid.params.userId, req.valid.query.ids),
      } satisfies InternalPetsAnswer);
    },
  );
  // Clinics see who booked: the owner's name and phone.
  api.route(
    {
      method: 'get',
      path: '/users/{userId}/profile',
      summary: 'A user’s contact details',
      tags,
      params: UserParams,
      responses: {
        200: { description: 'Profile contact fields', schema: InternalProfile },
        404: { description: 'The user never opened their profile' },
      },
    },
    only('booking', 'clinic'),
    async (req, res) => {
      const p = await deps.profiles.findById(req.valid.params.userId);
      if (!p) throw new NotFoundError('profile_not_found', 'This user has no profile yet');
      res.json({
        userId: p.userId,
        email: p.email,
        displayName: p.displayName,
        phone: p.phone,
        city: p.city,
      } satisfies InternalProfileAnswer);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/maintenance/purge-deleted-pets',
      summary: 'Remove for good the pets deleted before the restore window (also runs hourly)',
      tags,
      responses: { 200: { description: 'How many were purged' } },
    },
    only('ops'),
    async (_req, res) => {
      res.json({ purged: await deps.pets.purgeExpired() });
    },
  );

  const router = express.Router();
  router.use(api.finish());
  return router;
}
