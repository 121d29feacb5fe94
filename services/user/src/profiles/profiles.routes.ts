import {
  ApiRouter,
  requireAuth,
  requirePermission,
  type AccessTokenVerifier,
  type OpenAPIRegistry,
  singleFileUpload,
} from '@petpro/kit';
import type { ProfilesService } from './profiles.service.ts';
import { ProfilePatchBody, ProfileSchema } from './profiles.schemas.ts';
import { ImageSchema } from '../media/media.schemas.ts';

/** The caller's profile and avatar under /api/v1/users/me (mounted at /api/v1). */
export function profilesRoutes(
  openapi: OpenAPIRegistry,
  service: ProfilesService,
  verifier: AccessTokenVerifier,
  uploadMaxBytes: number,
) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const upload = singleFileUpload(uploadMaxBytes);
  const tags = ['users'];

  api.route(
    {
      method: 'get',
      path: '/users/me',
      summary: 'My profile with its completeness (created on first access)',
      tags,
      auth: true,
      responses: { 200: { description: 'Profile', schema: ProfileSchema } },
    },
    ...read,
    async (req, res) => {
      res.json(await service.get(req.principal!));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/users/me',
      summary: 'Change my profile (phone numbers are stored as E.164)',
      tags,
      auth: true,
      body: ProfilePatchBody,
      responses: { 200: { description: 'Profile', schema: ProfileSchema } },
    },
    ...write,
    async (req, res) => {
      res.json(await service.update(req.principal!, req.valid.body));
    },
  );
  api.route(
    {
      method: 'put',
      path: '/users/me/avatar',
      summary: 'Upload my avatar (JPEG, PNG or WebP in the field `file`); stored as 64, 256 and 1024 px WebP',
      tags,
      auth: true,
      multipart: true,
      responses: {
        200: { description: 'The stored avatar, a URL per size', schema: ImageSchema },
        413: { description: 'The file is too large' },
        415: { description: 'Not a JPEG, PNG or WebP image' },
        422: { description: 'The image could not be read' },
      },
    },
    ...write,
    upload,
    async (req, res) => {
      res.json(await service.setAvatar(req.principal!, req.file!.buffer));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/users/me/avatar',
      summary: 'Remove my avatar and its files',
      tags,
      auth: true,
      responses: { 204: { description: 'Removed (or there was none)' } },
    },
    ...write,
    async (req, res) => {
      await service.deleteAvatar(req.principal!);
      res.status(204).end();
    },
  );
  return api;
}
