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
import { toServiceView } from './catalogue.view.ts';
import { IdParams } from '../shared/schemas.ts';

const tags = ['clinic services'];

/** A clinic's service catalogue. */
export function catalogueRoutes(api: ApiRouter, deps: { catalogue: CatalogueService; verifier: AccessTokenVerifier }) {
  const auth = requireAuth(deps.verifier);
  const maybeAuth = optionalAuth(deps.verifier);
  const { catalogue } = deps;
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}/services',
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
    async (req, reply) => {
      const page = await catalogue.listPage(req.principal, req.valid.params.id, req.valid.query);
      return reply(200, { items: page.items.map(toServiceView), nextCursor: page.nextCursor });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/clinics/{id}/services',
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
    async (req, reply) =>
      reply(201, toServiceView(await catalogue.create(req.principal!, req.valid.params.id, req.valid.body))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}/services/{serviceId}',
      summary: 'One service',
      tags,
      params: ServiceParams,
      responses: {
        200: { description: 'The service', schema: ServiceSchema },
        404: { description: 'No such service' },
      },
    },
    maybeAuth,
    async (req, reply) =>
      reply(
        200,
        toServiceView(await catalogue.findById(req.principal, req.valid.params.id, req.valid.params.serviceId)),
      ),
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/clinics/{id}/services/{serviceId}',
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
    async (req, reply) => {
      const { id, serviceId } = req.valid.params;
      return reply(200, toServiceView(await catalogue.update(req.principal!, id, serviceId, req.valid.body)));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/clinics/{id}/services/{serviceId}',
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
    async (req, reply) => {
      await catalogue.remove(req.principal!, req.valid.params.id, req.valid.params.serviceId);
      return reply(204);
    },
  );
}
