import { requireAuth, requirePermission, z, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { FavouritesService } from './favourites.service.ts';
import { toFavouriteView } from './favourites.view.ts';
import { FavouritePage, FavouriteSchema, ListFavouritesQuery } from './favourites.schemas.ts';
import { IdParam } from '../shared/strings.ts';

const ClinicParams = z.object({ clinicId: IdParam });

/** The caller's favourite vendors. */
export function favouritesRoutes(
  api: ApiRouter,
  deps: { favourites: FavouritesService; verifier: AccessTokenVerifier },
): void {
  const { favourites } = deps;
  const auth = requireAuth(deps.verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const tags = ['users'];
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/users/me/favourites',
      summary: 'My favourite vendors, newest first',
      tags,
      auth: true,
      query: ListFavouritesQuery,
      responses: { 200: { description: 'A page of favourites', schema: FavouritePage } },
    },
    ...read,
    async (req, reply) => {
      const page = await favourites.listPage(req.principal!.userId, req.valid.query);
      return reply(200, { items: page.items.map(toFavouriteView), nextCursor: page.nextCursor });
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/users/me/favourites/{clinicId}',
      summary: 'Add a vendor to my favourites (idempotent)',
      tags,
      auth: true,
      params: ClinicParams,
      responses: {
        201: { description: 'Added', schema: FavouriteSchema },
        200: { description: 'Was already a favourite', schema: FavouriteSchema },
        409: { description: 'favourites_limit_reached' },
      },
    },
    ...write,
    async (req, reply) => {
      const { favourite, created } = await favourites.add(req.principal!.userId, req.valid.params.clinicId);
      return reply(created ? 201 : 200, toFavouriteView(favourite));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/users/me/favourites/{clinicId}',
      summary: 'Remove a vendor from my favourites (idempotent)',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 204: { description: 'Removed' } },
    },
    ...write,
    async (req, reply) => {
      await favourites.remove(req.principal!.userId, req.valid.params.clinicId);
      return reply(204);
    },
  );
}
