import { ApiRouter, requireAuth, requirePermission, type AccessTokenVerifier, type OpenAPIRegistry } from '@petpro/kit';
import type { MedicalRecordsService } from './medical-records.service.ts';
import {
  CreateRecordBody,
  ListRecordsQuery,
  PetParams,
  RecordPage,
  RecordParams,
  RecordSchema,
  UpdateRecordBody,
} from './medical-records.schemas.ts';

const notFound = { description: 'No such pet or record of mine (also for other users’ pets)' };

/** Medical history of the caller's pets under /api/v1/pets/{id}/medical-records (mounted at /api/v1). */
export function medicalRecordsRoutes(
  openapi: OpenAPIRegistry,
  service: MedicalRecordsService,
  verifier: AccessTokenVerifier,
) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('pet:read:own')];
  const write = [auth, requirePermission('pet:write:own')];
  const tags = ['pets'];
  const base = '/pets/{id}/medical-records';

  api.route(
    {
      method: 'get',
      path: base,
      summary: 'Medical records of one of my pets, by date or (due=upcoming) by next due date',
      tags,
      auth: true,
      params: PetParams,
      query: ListRecordsQuery,
      responses: { 200: { description: 'A page of records', schema: RecordPage }, 404: notFound },
    },
    ...read,
    async (req, res) => {
      res.json(await service.list(req.principal!.userId, req.valid.params.id, req.valid.query));
    },
  );
  api.route(
    {
      method: 'post',
      path: base,
      summary: 'Add a medical record',
      tags,
      auth: true,
      params: PetParams,
      body: CreateRecordBody,
      responses: { 201: { description: 'The record', schema: RecordSchema }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      const record = await service.create(req.principal!.userId, req.valid.params.id, req.valid.body);
      res.status(201).location(`/api/v1/pets/${record.petId}/medical-records/${record.id}`).json(record);
    },
  );
  api.route(
    {
      method: 'get',
      path: `${base}/{recordId}`,
      summary: 'One medical record',
      tags,
      auth: true,
      params: RecordParams,
      responses: { 200: { description: 'The record', schema: RecordSchema }, 404: notFound },
    },
    ...read,
    async (req, res) => {
      res.json(await service.get(req.principal!.userId, req.valid.params.id, req.valid.params.recordId));
    },
  );
  api.route(
    {
      method: 'patch',
      path: `${base}/{recordId}`,
      summary: 'Change a medical record',
      tags,
      auth: true,
      params: RecordParams,
      body: UpdateRecordBody,
      responses: { 200: { description: 'The record', schema: RecordSchema }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      res.json(
        await service.update(req.principal!.userId, req.valid.params.id, req.valid.params.recordId, req.valid.body),
      );
    },
  );
  api.route(
    {
      method: 'delete',
      path: `${base}/{recordId}`,
      summary: 'Delete a medical record',
      tags,
      auth: true,
      params: RecordParams,
      responses: { 204: { description: 'Deleted' }, 404: notFound },
    },
    ...write,
    async (req, res) => {
      await service.remove(req.principal!.userId, req.valid.params.id, req.valid.params.recordId);
      res.status(204).end();
    },
  );
  return api;
}
