import { InternalBookable, InternalClinic, InternalService } from '@petpro/contracts';
import { z, type ApiRouter, type ServiceCredentials } from '@petpro/kit';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { StaffService } from '../staff/staff.service.ts';
import type { CatalogueService } from '../catalogue/catalogue.service.ts';
import { toInternalBookable, toInternalClinic, toInternalService } from './internal.view.ts';

const tags = ['internal'];

/**
 * Endpoints for other PetPro services only (service credential), on the unpublished router; never
 * routed by the gateway. Their answers are the contracts the booking service parses (@petpro/contracts).
 */
export function internalRoutes(
  api: ApiRouter,
  deps: {
    credentials: ServiceCredentials;
    clinics: ClinicsService;
    staff: StaffService;
    catalogue: CatalogueService;
  },
) {
  const { clinics, staff, catalogue } = deps;
  // Only the booking service reads clinics this way (availability, bookings).
  const booking = deps.credentials.require('booking');

  api.endpoint(
    {
      method: 'get',
      path: '/internal/clinics/{id}',
      summary: 'A clinic with what availability needs (published or not: the owner’s calendar works before publishing)',
      tags,
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'The clinic', schema: InternalClinic }, 404: { description: 'No such clinic' } },
    },
    booking,
    async (req, reply) => {
      const clinic = await clinics.findById(req.valid.params.id);
      return reply(200, toInternalClinic(clinic, await staff.listOfClinic(clinic.id)));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/internal/clinics/{id}/services/{serviceId}',
      summary: 'One service with its timing and the staff qualified to perform it',
      tags,
      params: z.object({ id: z.uuid(), serviceId: z.uuid() }),
      responses: {
        200: { description: 'The service', schema: InternalService },
        404: { description: 'No such clinic or service' },
      },
    },
    booking,
    async (req, reply) =>
      reply(200, toInternalService(await catalogue.findInClinic(req.valid.params.id, req.valid.params.serviceId))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/internal/clinics/{id}/services/{serviceId}/bookable',
      summary: 'The clinic and one of its services together: what each booking decision reads',
      tags,
      params: z.object({ id: z.uuid(), serviceId: z.uuid() }),
      responses: {
        200: { description: 'The clinic and the service', schema: InternalBookable },
        404: { description: 'No such clinic or service' },
      },
    },
    booking,
    async (req, reply) => {
      const { id, serviceId } = req.valid.params;
      const clinic = await clinics.findById(id); // 404 clinic_not_found before any service_not_found
      const [staffList, service] = await Promise.all([staff.listOfClinic(id), catalogue.findOfClinic(id, serviceId)]);
      return reply(200, toInternalBookable(clinic, staffList, service));
    },
  );
}
