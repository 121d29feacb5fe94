import { optionalAuth, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { CatalogueService } from './catalogue.service.ts';
import {
  CreateServiceBody,
  PatchServiceBody,
  ServiceListQuery,
  ServiceListSchema,
  ServiceParams,
  ServiceSchema,
} from './catalogue.schemas.ts';
import { IdParams } from '../shared/schemas.ts';

const tags = ['clinic services'];

/** Service catalogue endpoints (under /api/v1). */
export function catalogueRoutes(api: ApiRouter, deps: { service: CatalogueService; verifier: AccessTokenVerifier }) {
  const auth = requireAuth(deps.verifier);
  const maybeAuth = optionalAuth(deps.verifier);
  const { service } = deps;
  api.route(
    {
      method: 'get',
      path: '/clinics/{id}/services',
      summary: "A clinic's services (active ones; the owner also sees inactive ones)",
      tags,
      params: IdParams,
      query: ServiceListQuery,
      responses: {
        200: { description: 'Services', schema: ServiceListSchema },
        404: { description: 'No such clinic' },
      },
    },
    maybeAuth,
    async (req, res) => {
      res.json(await service.list(req.principal, req.valid.params.id, req.valid.query));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/clinics/{id}/services',
      summary: 'Add a service (owner or admin)',
      tags,
      auth: true,
      params: IdParams,
      body: CreateServiceBody,
      responses: {
        201: { description: 'The service', schema: ServiceSchema },
        403: { description: 'Not the owner' },
        404: { description: 'No such clinic' },
      },
    },
    auth,
    async (req, res) => {
      res.status(201).json(await service.create(req.principal!, req.valid.params.id, req.valid.body));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/clinics/{id}/services/{serviceId}',
      summary: 'One service',
      tags,
      params: ServiceParams,
      responses: {
        200: { description: 'The service', schema: ServiceSchema },
        404: { description: 'No such service' },
      },
    },
    maybeAuth,
    async (req, res) => {
      res.json(await service.get(req.principal, req.valid.params.id, req.valid.params.serviceId));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/clinics/{id}/services/{serviceId}',
      summary: 'Change a service (owner or admin)',
      tags,
      auth: true,
      params: ServiceParams,
      body: PatchServiceBody,
      responses: {
        200: { description: 'The service', schema: ServiceSchema },
        403: { description: 'Not the owner' },
        404: { description: 'No such service' },
      },
    },
    auth,
    async (req, res) => {
      res.json(await service.update(req.principal!, req.valid.params.id, req.valid.params.serviceId, req.valid.body));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/clinics/{id}/services/{serviceId}',
      summary: 'Remove a service (owner or admin)',
      tags,
      auth: true,
      params: ServiceParams,
      responses: {
        204: { description: 'Removed' },
        403: { description: 'Not the owner' },
        404: { description: 'No such service' },
      },
    },
    auth,
    async (req, res) => {
      await service.remove(req.principal!, req.valid.params.id, req.valid.params.serviceId);
      res.status(204).end();
    },
  );
  return api;
}
