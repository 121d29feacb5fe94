import { problem, optionalAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { AvailabilityService } from './availability.service.ts';
import { AvailabilityQuery, AvailabilityResponse } from './availability.schemas.ts';
import { toAvailabilityView } from './availability.view.ts';

/** Public availability of a clinic's service. */
export function availabilityRoutes(
  api: ApiRouter,
  deps: { availability: AvailabilityService; verifier: AccessTokenVerifier },
) {
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/availability',
      summary: 'Bookable slots of a service at a clinic',
      tags: ['availability'],
      query: AvailabilityQuery,
      responses: {
        200: { description: 'Slots', schema: AvailabilityResponse },
        400: problem('Invalid query, or a range over 31 days (`availability_range_too_long`)'),
        404: problem('No such clinic or service'),
      },
    },
    optionalAuth(deps.verifier),
    async (req, reply) => {
      const result = await deps.availability.findSlots(req.valid.query, req.principal);
      return reply(200, toAvailabilityView(result));
    },
  );
}
