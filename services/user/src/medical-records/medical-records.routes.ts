import { requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { MedicalRecordsService } from './medical-records.service.ts';
import { toRecordView } from './medical-records.view.ts';
import {
  CreateRecordBody,
  ListRecordsQuery,
  PetParams,
  RecordCreatedHeaders,
  RecordPage,
  RecordParams,
  RecordSchema,
  UpdateRecordBody,
} from './medical-records.schemas.ts';

const notFound = { description: 'No such pet or record of mine (also for other users’ pets)' };

/** Medical history of the caller's pets. */
export function medicalRecordsRoutes(
  api: ApiRouter,
  deps: { records: MedicalRecordsService; verifier: AccessTokenVerifier },
): void {
  const { records } = deps;
  const auth = requireAuth(deps.verifier);
  // The link is the query itself (every read and write is scoped to the caller); the role map decides the rest.
  const read = [auth, requirePermission('pet:read:own')];
  const write = [auth, requirePermission('pet:write:own')];
  const tags = ['pets'];

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets/{id}/medical-records',
      summary: 'Medical records of one of my pets, by date or (due=upcoming) by next due date',
      tags,
      auth: true,
      params: PetParams,
      query: ListRecordsQuery,
      responses: { 200: { description: 'A page of records', schema: RecordPage }, 404: notFound },
    },
    ...read,
    async (req, reply) => {
      const page = await records.listPage(req.principal!.userId, req.valid.params.id, req.valid.query);
      return reply(200, { items: page.items.map(toRecordView), nextCursor: page.nextCursor });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/pets/{id}/medical-records',
      summary: 'Add a medical record',
      tags,
      auth: true,
      params: PetParams,
      body: CreateRecordBody,
      responses: {
        201: { description: 'The record', schema: RecordSchema, headers: RecordCreatedHeaders },
        404: notFound,
      },
    },
    ...write,
    async (req, reply) => {
      const record = await records.create(req.principal!.userId, req.valid.params.id, req.valid.body);
      return reply(201, toRecordView(record), {
        Location: `/api/v1/pets/${record.petId}/medical-records/${record.id}`,
      });
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/pets/{id}/medical-records/{recordId}',
      summary: 'One medical record',
      tags,
      auth: true,
      params: RecordParams,
      responses: { 200: { description: 'The record', schema: RecordSchema }, 404: notFound },
    },
    ...read,
    async (req, reply) => {
      const { id, recordId } = req.valid.params;
      return reply(200, toRecordView(await records.findById(req.principal!.userId, id, recordId)));
    },
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/pets/{id}/medical-records/{recordId}',
      summary: 'Change a medical record',
      tags,
      auth: true,
      params: RecordParams,
      body: UpdateRecordBody,
      responses: { 200: { description: 'The record', schema: RecordSchema }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      const { id, recordId } = req.valid.params;
      return reply(200, toRecordView(await records.update(req.principal!.userId, id, recordId, req.valid.body)));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/pets/{id}/medical-records/{recordId}',
      summary: 'Delete a medical record',
      tags,
      auth: true,
      params: RecordParams,
      responses: { 204: { description: 'Deleted' }, 404: notFound },
    },
    ...write,
    async (req, reply) => {
      await records.remove(req.principal!.userId, req.valid.params.id, req.valid.params.recordId);
      return reply(204);
    },
  );
}
