import {
  optionalAuth,
  requireAuth,
  type AccessTokenVerifier,
  type ApiRouter,
  singleFileUpload,
  uploadedFile,
} from '@petpro/kit';
import type { ClinicsService } from './clinics.service.ts';
import {
  ClinicListSchema,
  ClinicSchema,
  CreateClinicBody,
  HoursResponse,
  MediaParams,
  MineQuery,
  OpeningHoursBody,
  PatchClinicBody,
  PhotoFileHeaders,
  PhotoParams,
} from './clinics.schemas.ts';
import { toClinicView, toHoursView, toPhotoView } from './clinics.view.ts';
import { IdParams, PhotoSchema } from '../shared/schemas.ts';

const tags = ['clinics'];

/** Clinic profiles, hours and photos, the caller's own clinics, and the public photo files. */
export function clinicsRoutes(
  api: ApiRouter,
  deps: { clinics: ClinicsService; verifier: AccessTokenVerifier; photoMaxBytes: number },
) {
  const auth = requireAuth(deps.verifier);
  const maybeAuth = optionalAuth(deps.verifier);
  const { clinics } = deps;

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/clinics',
      summary: 'Create a clinic (vendor; admins may name the owner)',
      tags,
      auth: true,
      body: CreateClinicBody,
      responses: {
        201: { description: 'The clinic', schema: ClinicSchema },
        403: { description: 'Not a vendor' },
        409: { description: 'clinic_incomplete (publishing without address, city or location)' },
      },
    },
    auth,
    async (req, reply) => {
      const clinic = await clinics.create(req.principal!, req.valid.body);
      return reply(201, toClinicView(await clinics.detailOf(req.principal, clinic)));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}',
      summary: 'A clinic (published ones for everyone; unpublished for the owner and admins)',
      tags,
      params: IdParams,
      responses: { 200: { description: 'The clinic', schema: ClinicSchema }, 404: { description: 'No such clinic' } },
    },
    maybeAuth,
    async (req, reply) => {
      const clinic = await clinics.readable(req.principal, req.valid.params.id);
      return reply(200, toClinicView(await clinics.detailOf(req.principal, clinic)));
    },
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/clinics/{id}',
      summary: 'Change a clinic (owner or admin)',
      tags,
      auth: true,
      params: IdParams,
      body: PatchClinicBody,
      responses: {
        200: { description: 'The clinic', schema: ClinicSchema },
        403: { description: 'Not the owner' },
        404: { description: 'No such clinic' },
        409: { description: 'clinic_incomplete' },
      },
    },
    auth,
    async (req, reply) => {
      const clinic = await clinics.update(req.principal!, req.valid.params.id, req.valid.body);
      return reply(200, toClinicView(await clinics.detailOf(req.principal, clinic)));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/clinics/{id}',
      summary: 'Delete a clinic (owner or admin)',
      tags,
      auth: true,
      params: IdParams,
      responses: {
        204: { description: 'Deleted' },
        403: { description: 'Not the owner' },
        404: { description: 'No such clinic' },
      },
    },
    auth,
    async (req, reply) => {
      await clinics.remove(req.principal!, req.valid.params.id);
      return reply(204);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}/hours',
      summary: "Opening hours in the clinic's zone, with openNow",
      tags,
      params: IdParams,
      responses: { 200: { description: 'Hours', schema: HoursResponse }, 404: { description: 'No such clinic' } },
    },
    maybeAuth,
    async (req, reply) => reply(200, toHoursView(await clinics.readable(req.principal, req.valid.params.id))),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/clinics/{id}/hours',
      summary: 'Replace the opening hours (owner or admin); ranges must not overlap and start before they end',
      tags,
      auth: true,
      params: IdParams,
      body: OpeningHoursBody,
      responses: {
        200: { description: 'Hours', schema: HoursResponse },
        403: { description: 'Not the owner' },
        404: { description: 'No such clinic' },
      },
    },
    auth,
    async (req, reply) =>
      reply(200, toHoursView(await clinics.setHours(req.principal!, req.valid.params.id, req.valid.body))),
  );

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/clinics/{id}/photos',
      summary: 'Add a photo (JPEG, PNG or WebP; stored re-encoded in several sizes)',
      tags,
      auth: true,
      multipart: true,
      params: IdParams,
      responses: {
        201: { description: 'The photo', schema: PhotoSchema },
        413: { description: 'Too large' },
        415: { description: 'Not an image' },
      },
    },
    auth,
    singleFileUpload(deps.photoMaxBytes),
    async (req, reply) => {
      const photo = await clinics.addPhoto(req.principal!, req.valid.params.id, uploadedFile(req).buffer);
      return reply(201, toPhotoView(photo));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/clinics/{id}/photos/{photoId}',
      summary: 'Remove a photo',
      tags,
      auth: true,
      params: PhotoParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such photo' } },
    },
    auth,
    async (req, reply) => {
      await clinics.deletePhoto(req.principal!, req.valid.params.id, req.valid.params.photoId);
      return reply(204);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/vendor/clinics',
      summary: 'Clinics the caller owns',
      tags,
      auth: true,
      query: MineQuery,
      responses: { 200: { description: 'Own clinics', schema: ClinicListSchema } },
    },
    auth,
    async (req, reply) => {
      const page = await clinics.listOwnPage(req.principal!, req.valid.query);
      return reply(200, { items: page.items.map((d) => toClinicView(d)), nextCursor: page.nextCursor });
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/media/clinic/photos/{photoId}/{file}',
      summary: 'A clinic photo (small, medium or large WebP)',
      tags: ['media'],
      params: MediaParams,
      responses: {
        200: { description: 'image/webp', stream: 'image/webp', headers: PhotoFileHeaders },
        404: { description: 'No such photo' },
      },
    },
    async (req, reply) => {
      const size = req.valid.params.file.replace(/\.webp$/, '');
      const stream = await clinics.openPhoto(req.valid.params.photoId, size);
      // A photo id is never reused for other bytes, so the file can be cached for good.
      return reply(200, stream, {
        'Content-Type': 'image/webp',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
    },
  );
}
