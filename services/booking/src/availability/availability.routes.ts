import { ApiRouter, ProblemSchema, optionalAuth, type AccessTokenVerifier, type OpenAPIRegistry } from '@petpro/kit';
import { instantFormatter } from '../shared/time.ts';
import type { AvailabilityService } from './availability.service.ts';
import { AvailabilityQuery, AvailabilityResponse } from './availability.schemas.ts';

/** Public availability of a clinic's service. */
export function availabilityRoutes(
  openapi: OpenAPIRegistry,
  service: AvailabilityService,
  verifier: AccessTokenVerifier,
) {
  const api = new ApiRouter(openapi, '/api/v1');
  api.route(
    {
      method: 'get',
      path: '/availability',
      summary: 'Bookable slots of a service at a clinic',
      tags: ['availability'],
      query: AvailabilityQuery,
      responses: {
        200: { description: 'Slots', schema: AvailabilityResponse },
        400: {
          description: 'Invalid query, or a range over 31 days (`availability_range_too_long`)',
          schema: ProblemSchema,
        },
        404: { description: 'No such clinic or service', schema: ProblemSchema },
      },
    },
    optionalAuth(verifier),
    async (req, res) => {
      const r = await service.availability(req.valid.query, req.principal);
      const fmt = instantFormatter(r.clinic.timeZone);
      res.json({
        clinicId: r.clinic.id,
        serviceId: r.service.id,
        timeZone: r.clinic.timeZone,
        from: fmt(r.from),
        to: fmt(r.to),
        slots: r.slots.map((s) => ({ start: fmt(s.start), end: fmt(s.end), staffIds: s.staffIds })),
      });
    },
  );
  return api;
}
