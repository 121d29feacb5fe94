import {
  ApiRouter,
  pageOf,
  requireAuth,
  requirePermission,
  z,
  type AccessTokenVerifier,
  type OpenAPIRegistry,
} from '@petpro/kit';
import type { FavouritesService } from './favourites.service.ts';
import { PageQuery } from '../shared/pagination.ts';
import { IdParam } from '../shared/strings.ts';

const FavouriteSchema = z.object({ clinicId: z.uuid(), createdAt: z.string() }).openapi('Favourite');
const ClinicParams = z.object({ clinicId: IdParam });

/** The caller's favourite vendors under /api/v1/users/me/favourites (mounted at /api/v1). */
export function favouritesRoutes(openapi: OpenAPIRegistry, service: FavouritesService, verifier: AccessTokenVerifier) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const tags = ['users'];
  api.route(
    {
      method: 'get',
      path: '/users/me/favourites',
      summary: 'My favourite vendors, newest first',
      tags,
      auth: true,
      query: z.strictObject(PageQuery),
      responses: {
        200: { description: 'A page of favourites', schema: pageOf(FavouriteSchema).openapi('FavouritePage') },
      },
    },
    ...read,
    async (req, res) => {
      res.json(await service.list(req.principal!.userId, req.valid.query));
    },
  );
  api.route(
    {
      method: 'put',
      path: '/users/me/favourites/{clinicId}',
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
    async (req, res) => {
      const { favourite, created } = await service.add(req.principal!.userId, req.valid.params.clinicId);
      res.status(created ? 201 : 200).json(favourite);
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/users/me/favourites/{clinicId}',
      summary: 'Remove a vendor from my favourites (idempotent)',
      tags,
      auth: true,
      params: ClinicParams,
      responses: { 204: { description: 'Removed' } },
    },
    ...write,
    async (req, res) => {
      await service.remove(req.principal!.userId, req.valid.params.clinicId);
      res.status(204).end();
    },
  );
  return api;
}
