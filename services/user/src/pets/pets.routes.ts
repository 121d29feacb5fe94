import {
  requireAuth,
  requirePermission,
  singleFileUpload,
  type AccessTokenVerifier,
  type ApiRouter,
} from '@petpro/kit';
import type { PetsService } from './pets.service.ts';
import { toPetView, toPhotoView } from './pets.view.ts';
import {
  CreatedHeaders,
  CreatePetBody,
  ListPetsQuery,
  PetImageParams,
  PetPage,
  PetParams,
  PetSchema,
  PhotoList,
  PhotoSchema,
  PhotoUploadFields,
  SetPrimaryBody,
  UpdatePetBody,
} from './pets.schemas.ts';

const notFound = { description: 'No such pet of mine (also for other users’ pets)' };

/** The caller's pets and their photos. */
export function petsRoutes(
  api: ApiRouter,
  deps: { pets: PetsService; verifier: AccessTokenVerifier; uploadMaxBytes: number; mediaUrl: string },
): void {
  const { pets, mediaUrl } = deps;
  const petView = (d: Parameters<typeof toPetView>[0]) => toPetView(d, mediaUrl);
  const photoView = (i: Parameters<typeof toPhotoView>[0]) => toPhotoView(i, mediaUrl);
  const auth = requireAuth(deps.verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('pet:read:own')];
  const write = [auth, requirePermission('pet:write:own')];
  const upload = singleFileUpload(deps.uploadMaxBytes);
  const tags = ['pets'];

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets',
      summary: 'My pets (or, with deleted=true, my deleted pets that can still be restored)',
      tags,
      auth: true,
      query: ListPetsQuery,
      responses: { 200: { description: 'A page of pets', schema: PetPage } },
    },
    ...read,
    async (req, reply) => {
      const page = await pets.listPage(req.principal!.userId, req.valid.query);
      return reply(200, { items: page.items.map(petView), nextCursor: page.nextCursor });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/pets',
      summary: 'Add a pet',
      tags,
      auth: true,
      body: CreatePetBody,
      responses: {
        201: { description: 'The pet', schema: PetSchema, headers: CreatedHeaders },
        409: { description: 'pet_limit_reached' },
      },
    },
    ...write,
    async (req, reply) => {
      const created = await pets.create(req.principal!.userId, req.valid.body);
      return reply(201, petView(created), { Location: `/api/v1/pets/${created.pet.id}` });
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets/{id}',
      summary: 'One of my pets',
      tags,
      auth: true,
      params: PetParams,
      responses: { 200: { description: 'The pet', schema: PetSchema }, 404: notFound },
    },
    ...read,
    async (req, reply) => reply(200, petView(await pets.findById(req.principal!.userId, req.valid.params.id))),
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/pets/{id}',
      summary: 'Change one of my pets',
      tags,
      auth: true,
      params: PetParams,
      body: UpdatePetBody,
      responses: { 200: { description: 'The pet', schema: PetSchema }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      const updated = await pets.update(req.principal!.userId, req.valid.params.id, req.valid.body);
      return reply(200, petView(updated));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/pets/{id}',
      summary: 'Delete one of my pets (restorable with its history for 30 days)',
      tags,
      auth: true,
      params: PetParams,
      responses: { 204: { description: 'Deleted' }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      await pets.remove(req.principal!.userId, req.valid.params.id);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/pets/{id}/restore',
      summary: 'Bring back a pet deleted less than 30 days ago, with its photos and medical history',
      tags,
      auth: true,
      params: PetParams,
      responses: {
        200: { description: 'The pet', schema: PetSchema },
        404: notFound,
        409: { description: 'restore_window_passed' },
      },
    },
    ...write,
    async (req, reply) => reply(200, petView(await pets.restore(req.principal!.userId, req.valid.params.id))),
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets/{id}/images',
      summary: 'Photos of one of my pets',
      tags,
      auth: true,
      params: PetParams,
      responses: { 200: { description: 'Photos, oldest first', schema: PhotoList }, 404: notFound },
    },
    ...read,
    async (req, reply) => {
      const photos = await pets.listPhotos(req.principal!.userId, req.valid.params.id);
      return reply(200, { items: photos.map(photoView) });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/pets/{id}/images',
      summary:
        `Add a photo (JPEG, PNG or WebP in the field \`file\`; optional field \`primary\`=true); stored as ` +
        `64, 256 and 1024 px WebP; at most 10 per pet`,
      tags,
      auth: true,
      multipart: true,
      params: PetParams,
      // The form's other fields, validated like a body (the OpenAPI document shows the multipart form).
      body: PhotoUploadFields,
      responses: {
        201: { description: 'The stored photo, a URL per size', schema: PhotoSchema, headers: CreatedHeaders },
        404: notFound,
        409: { description: 'photo_limit_reached' },
        413: { description: 'The file is too large' },
        415: { description: 'Not a JPEG, PNG or WebP image' },
        422: { description: 'The image could not be read' },
      },
    },
    ...write,
    upload,
    async (req, reply) => {
      const { id } = req.valid.params;
      const primary = req.valid.body.primary === 'true';
      const photo = await pets.addPhoto(req.principal!.userId, id, req.file!.buffer, primary);
      return reply(201, photoView(photo), { Location: `/api/v1/pets/${id}/images/${photo.id}` });
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets/{id}/images/{imageId}',
      summary: 'One photo of one of my pets',
      tags,
      auth: true,
      params: PetImageParams,
      responses: { 200: { description: 'The photo', schema: PhotoSchema }, 404: notFound },
    },
    ...read,
    async (req, reply) => {
      const { id, imageId } = req.valid.params;
      return reply(200, photoView(await pets.findPhoto(req.principal!.userId, id, imageId)));
    },
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/pets/{id}/images/{imageId}',
      summary: 'Make a photo the primary one',
      tags,
      auth: true,
      params: PetImageParams,
      body: SetPrimaryBody,
      responses: { 200: { description: 'The photo', schema: PhotoSchema }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      const { id, imageId } = req.valid.params;
      return reply(200, photoView(await pets.setPrimaryPhoto(req.principal!.userId, id, imageId)));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/pets/{id}/images/{imageId}',
      summary: 'Remove a photo and its files',
      tags,
      auth: true,
      params: PetImageParams,
      responses: { 204: { description: 'Removed' }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      await pets.deletePhoto(req.principal!.userId, req.valid.params.id, req.valid.params.imageId);
      return reply(204);
    },
  );
}
