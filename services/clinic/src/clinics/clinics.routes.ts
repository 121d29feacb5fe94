import {
  optionalAuth,
  requireAuth,
  z,
  type AccessTokenVerifier,
  type ApiRouter,
  decodeCursor,
  encodeCursor,
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
  PhotoParams,
} from './clinics.schemas.ts';
import { IdParams, PhotoSchema } from '../shared/schemas.ts';
import { isOpenAt } from '../hours/opening-hours.ts';
import type { ClinicsRepository } from './clinics.repository.ts';

const tags = ['clinics'];

/** Clinic profile, hours and photo endpoints (under /api/v1). */
export function clinicRoutes(
  api: ApiRouter,
  deps: { service: ClinicsService; verifier: AccessTokenVerifier; photoMaxBytes: number },
) {
  const auth = requireAuth(deps.verifier);
  const maybeAuth = optionalAuth(deps.verifier);
  const { service } = deps;

  api.route(
    {
      method: 'post',
      path: '/clinics',
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
    async (req, res) => {
      const clinic = await service.create(req.principal!, req.valid.body);
      res.status(201).json(await service.toDto(req.principal, clinic));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/clinics/{id}',
      summary: 'A clinic (published ones for everyone; unpublished for the owner and admins)',
      tags,
      params: IdParams,
      responses: { 200: { description: 'The clinic', schema: ClinicSchema }, 404: { description: 'No such clinic' } },
    },
    maybeAuth,
    async (req, res) => {
      res.json(await service.toDto(req.principal, await service.readable(req.principal, req.valid.params.id)));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/clinics/{id}',
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
    async (req, res) => {
      res.json(
        await service.toDto(req.principal, await service.update(req.principal!, req.valid.params.id, req.valid.body)),
      );
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/clinics/{id}',
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
    async (req, res) => {
      await service.remove(req.principal!, req.valid.params.id);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/clinics/{id}/hours',
      summary: "Opening hours in the clinic's zone, with openNow",
      tags,
      params: IdParams,
      responses: { 200: { description: 'Hours', schema: HoursResponse }, 404: { description: 'No such clinic' } },
    },
    maybeAuth,
    async (req, res) => {
      const clinic = await service.readable(req.principal, req.valid.params.id);
      res.json({
        ...clinic.openingHours,
        timeZone: clinic.timeZone,
        openNow: isOpenAt(clinic.openingHours, clinic.timeZone),
      });
    },
  );
  api.route(
    {
      method: 'put',
      path: '/clinics/{id}/hours',
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
    async (req, res) => {
      const clinic = await service.setHours(req.principal!, req.valid.params.id, req.valid.body);
      res.json({
        ...clinic.openingHours,
        timeZone: clinic.timeZone,
        openNow: isOpenAt(clinic.openingHours, clinic.timeZone),
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/clinics/{id}/photos',
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
    async (req, res) => {
      res.status(201).json(await service.addPhoto(req.principal!, req.valid.params.id, uploadedFile(req).buffer));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/clinics/{id}/photos/{photoId}',
      summary: 'Remove a photo',
      tags,
      auth: true,
      params: PhotoParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such photo' } },
    },
    auth,
    async (req, res) => {
      await service.deletePhoto(req.principal!, req.valid.params.id, req.valid.params.photoId);
      res.status(204).end();
    },
  );
  return api;
}

/** The caller's own clinics (under /api/v1). */
export function vendorClinicRoutes(
  api: ApiRouter,
  deps: { service: ClinicsService; clinics: ClinicsRepository; verifier: AccessTokenVerifier },
) {
  api.route(
    {
      method: 'get',
      path: '/vendor/clinics',
      summary: 'Clinics the caller owns',
      tags,
      auth: true,
      query: MineQuery,
      responses: { 200: { description: 'Own clinics', schema: ClinicListSchema } },
    },
    requireAuth(deps.verifier),
    async (req, res) => {
      const { limit, cursor } = req.valid.query;
      const after = cursor ? decodeCursor(cursor, { id: 'uuid' }).id : undefined;
      const rows = await deps.clinics.findByOwner(req.principal!.userId, limit + 1, after);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      res.json({
        items: await deps.service.toDtos(req.principal, page),
        nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null,
      });
    },
  );
  return api;
}

/** Public photo files (under /api/v1). */
export function mediaRoutes(api: ApiRouter, deps: { service: ClinicsService }) {
  api.route(
    {
      method: 'get',
      path: '/media/clinic/photos/{photoId}/{file}',
      summary: 'A clinic photo (small, medium or large WebP)',
      tags: ['media'],
      params: MediaParams,
      responses: {
        200: { description: 'image/webp', schema: z.string().openapi({ format: 'binary' }) },
        404: { description: 'No such photo' },
      },
    },
    async (req, res, next) => {
      const size = req.valid.params.file.replace(/\.webp$/, '');
      const stream = await deps.service.openPhoto(req.valid.params.photoId, size);
      res.setHeader('Content-Type', 'image/webp');
      // A photo id is never reused for other bytes, so the file can be cached for good.
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      stream.on('error', next);
      stream.pipe(res);
    },
  );
  return api;
}
