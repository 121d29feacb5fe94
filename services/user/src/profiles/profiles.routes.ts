import {
  requireAuth,
  requirePermission,
  singleFileUpload,
  type AccessTokenVerifier,
  type ApiRouter,
} from '@petpro/kit';
import type { ProfilesService } from './profiles.service.ts';
import { ProfilePatchBody, ProfileSchema } from './profiles.schemas.ts';
import { ImageSchema } from '../media/media.schemas.ts';
import { toImageView } from '../media/media.view.ts';
import { toProfileView } from './profiles.view.ts';

/** The caller's profile and avatar. */
export function profilesRoutes(
  api: ApiRouter,
  deps: { profiles: ProfilesService; verifier: AccessTokenVerifier; uploadMaxBytes: number; mediaUrl: string },
): void {
  const { profiles, mediaUrl } = deps;
  const auth = requireAuth(deps.verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('profile:read:own')];
  const write = [auth, requirePermission('profile:write:own')];
  const upload = singleFileUpload(deps.uploadMaxBytes);
  const tags = ['users'];

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/users/me',
      summary: 'My profile with its completeness (created on first access)',
      tags,
      auth: true,
      responses: { 200: { description: 'Profile', schema: ProfileSchema } },
    },
    ...read,
    async (req, reply) => reply(200, toProfileView(await profiles.findOrCreate(req.principal!), mediaUrl)),
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/users/me',
      summary: 'Change my profile (phone numbers are stored as E.164)',
      tags,
      auth: true,
      body: ProfilePatchBody,
      responses: { 200: { description: 'Profile', schema: ProfileSchema } },
    },
    ...write,
    async (req, reply) => reply(200, toProfileView(await profiles.update(req.principal!, req.valid.body), mediaUrl)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/users/me/avatar',
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
    async (req, reply) => reply(200, toImageView(await profiles.setAvatar(req.principal!, req.file!.buffer), mediaUrl)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/users/me/avatar',
      summary: 'Remove my avatar and its files',
      tags,
      auth: true,
      responses: { 204: { description: 'Removed (or there was none)' } },
    },
    ...write,
    async (req, reply) => {
      await profiles.deleteAvatar(req.principal!);
      return reply(204);
    },
  );
}
