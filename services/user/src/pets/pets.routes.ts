import {
  ApiRouter,
  ValidationError,
  requireAuth,
  requirePermission,
  zodFieldErrors,
  z,
  type AccessTokenVerifier,
  type OpenAPIRegistry,
  singleFileUpload,
} from '@petpro/kit';
import type { PetsService } from './pets.service.ts';
import {
  CreatePetBody,
  ListPetsQuery,
  PetImageParams,
  PetPage,
  PetParams,
  PetSchema,
  PhotoSchema,
  PhotoUploadFields,
  SetPrimaryBody,
  UpdatePetBody,
} from './pets.schemas.ts';

const notFound = { description: 'No such pet of mine (also for other users’ pets)' };

/** The caller's pets and their photos under /api/v1/pets (mounted at /api/v1). */
export function petsRoutes(
  openapi: OpenAPIRegistry,
  service: PetsService,
  verifier: AccessTokenVerifier,
  uploadMaxBytes: number,
) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('pet:read:own')];
  const write = [auth, requirePermission('pet:write:own')];
  const upload = singleFileUpload(uploadMaxBytes);
  const tags = ['pets'];

  api.route(
    {
      method: 'get',
      path: '/pets',
      summary: 'My pets (or, with deleted=true, my deleted pets that can still be restored)',
      tags,
      auth: true,
      query: ListPetsQuery,
      responses: { 200: { description: 'A page of pets', schema: PetPage } },
    },
    ...read,
    async (req, res) => {
      res.json(await service.list(req.principal!.userId, req.valid.query));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/pets',
      summary: 'Add a pet',
      tags,
      auth: true,
      body: CreatePetBody,
      responses: { 201: { description: 'The pet', schema: PetSchema }, 409: { description: 'pet_limit_reached' } },
    },
    ...write,
    async (req, res) => {
      const pet = await service.create(req.principal!.userId, req.valid.body);
      res.status(201).location(`/api/v1/pets/${pet.id}`).json(pet);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/pets/{id}',
      summary: 'One of my pets',
      tags,
      auth: true,
      params: PetParams,
      responses: { 200: { description: 'The pet', schema: PetSchema }, 404: notFound },
    },
    ...read,
    async (req, res) => {
      res.json(await service.get(req.principal!.userId, req.valid.params.id));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/pets/{id}',
      summary: 'Change one of my pets',
      tags,
      auth: true,
      params: PetParams,
      body: UpdatePetBody,
      responses: { 200: { description: 'The pet', schema: PetSchema }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      res.json(await service.update(req.principal!.userId, req.valid.params.id, req.valid.body));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/pets/{id}',
      summary: 'Delete one of my pets (restorable with its history for 30 days)',
      tags,
      auth: true,
      params: PetParams,
      responses: { 204: { description: 'Deleted' }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      await service.remove(req.principal!.userId, req.valid.params.id);
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'post',
      path: '/pets/{id}/restore',
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
    async (req, res) => {
      res.json(await service.restore(req.principal!.userId, req.valid.params.id));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/pets/{id}/images',
      summary: 'Photos of one of my pets',
      tags,
      auth: true,
      params: PetParams,
      responses: {
        200: { description: 'Photos, oldest first', schema: z.object({ items: z.array(PhotoSchema) }) },
        404: notFound,
      },
    },
    ...read,
    async (req, res) => {
      res.json({ items: await service.listPhotos(req.principal!.userId, req.valid.params.id) });
    },
  );
  api.route(
    {
      method: 'post',
      path: '/pets/{id}/images',
      summary: `Add a photo (JPEG, PNG or WebP in the field \`file\`; optional field \`primary\`=true); stored as 64, 256 and 1024 px WebP; at most 10 per pet`,
      tags,
      auth: true,
      multipart: true,
      params: PetParams,
      responses: {
        201: { description: 'The stored photo, a URL per size', schema: PhotoSchema },
        404: notFound,
        409: { description: 'photo_limit_reached' },
        413: { description: 'The file is too large' },
        415: { description: 'Not a JPEG, PNG or WebP image' },
        422: { description: 'The image could not be read' },
      },
    },
    ...write,
    upload,
    async (req, res) => {
      const fields = PhotoUploadFields.safeParse(req.body ?? {});
      if (!fields.success) throw new ValidationError(zodFieldErrors(fields.error));
      const photo = await service.addPhoto(
        req.principal!.userId,
        req.valid.params.id,
        req.file!.buffer,
        fields.data.primary === 'true',
      );
      res.status(201).location(`/api/v1/pets/${req.valid.params.id}/images/${photo.id}`).json(photo);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/pets/{id}/images/{imageId}',
      summary: 'One photo of one of my pets',
      tags,
      auth: true,
      params: PetImageParams,
      responses: { 200: { description: 'The photo', schema: PhotoSchema }, 404: notFound },
    },
    ...read,
    async (req, res) => {
      res.json(await service.getPhoto(req.principal!.userId, req.valid.params.id, req.valid.params.imageId));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/pets/{id}/images/{imageId}',
      summary: 'Make a photo the primary one',
      tags,
      auth: true,
      params: PetImageParams,
      body: SetPrimaryBody,
      responses: { 200: { description: 'The photo', schema: PhotoSchema }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      res.json(await service.setPrimaryPhoto(req.principal!.userId, req.valid.params.id, req.valid.params.imageId));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/pets/{id}/images/{imageId}',
      summary: 'Remove a photo and its files',
      tags,
      auth: true,
      params: PetImageParams,
      responses: { 204: { description: 'Removed' }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      await service.deletePhoto(req.principal!.userId, req.valid.params.id, req.valid.params.imageId);
      res.status(204).end();
    },
  );
  return api;
}
