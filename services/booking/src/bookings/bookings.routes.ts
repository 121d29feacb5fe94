import {
  ApiRouter,
  BadRequestError,
  ProblemSchema,
  requireAuth,
  requirePermission,
  z,
  type AccessTokenVerifier,
  type OpenAPIRegistry,
} from '@petpro/kit';
import { encodeCursor } from '../shared/cursor.ts';
import type { BookingsService } from './bookings.service.ts';
import type { BookingAction } from './bookings.model.ts';
import { toBookingView } from './bookings.view.ts';
import { IDEMPOTENCY_HEADER, isValidIdempotencyKey } from './idempotency.ts';
import {
  BookingListResponse,
  BookingParams,
  BookingSchema,
  CancelBookingBody,
  CreateBookingBody,
  ListBookingsQuery,
  UpdateBookingBody,
} from './bookings.schemas.ts';

const tags = ['bookings'];
const problem = (description: string) => ({ description, schema: ProblemSchema });

/**
 * ApiRouter documents body, query and path parameters; the Idempotency-Key header is added to the
 * already registered operation so the published document still says everything about it.
 */
function documentIdempotencyHeader(openapi: OpenAPIRegistry, path: string): void {
  for (const def of openapi.definitions) {
    if (def.type === 'route' && def.route.method === 'post' && def.route.path === path) {
      def.route.request = {
        ...def.route.request,
        headers: z.object({
          'Idempotency-Key': z.string().max(255).optional().openapi({
            description:
              'Repeat a POST safely: the same key with the same body returns the same booking (kept 24 h); with another body 422',
          }),
        }),
      };
    }
  }
}

function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !isValidIdempotencyKey(key)) {
    throw new BadRequestError(
      'invalid_idempotency_key',
      'The Idempotency-Key must be 1 to 255 visible ASCII characters',
      [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
    );
  }
  return key;
}

/** Bookings of pet owners and clinics. */
export function bookingsRoutes(openapi: OpenAPIRegistry, service: BookingsService, verifier: AccessTokenVerifier) {
  const api = new ApiRouter(openapi, '/api/v1');
  const auth = requireAuth(verifier);
  const hidden = problem('No such booking, or not yours to see');

  api.route(
    {
      method: 'post',
      path: '/bookings',
      summary: 'Book a slot for my pets',
      tags,
      auth: true,
      body: CreateBookingBody,
      responses: {
        201: {
          description: 'Booked (also the answer to a retry with the same Idempotency-Key)',
          schema: BookingSchema,
        },
        403: problem('The caller lacks the permission booking:create'),
        404: problem('No such clinic or service'),
        409: problem('`slot_unavailable`: the time is not (or no longer) available; `service_not_bookable`'),
        422: problem('`pet_not_found`: a pet is not yours; `idempotency_key_reused`: the key came with another body'),
      },
    },
    auth,
    // Booking is a capability of a role (pet_owner by default) that admins can withdraw; the rest is ownership.
    requirePermission('booking:create'),
    async (req, res) => {
      const key = idempotencyKeyOf(req.headers[IDEMPOTENCY_HEADER]);
      const out = await service.create(req.principal!, req.valid.body, key);
      if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(out.statusCode).location(`/api/v1/bookings/${out.booking.id}`).json(toBookingView(out.booking));
    },
  );
  documentIdempotencyHeader(openapi, '/api/v1/bookings');

  api.route(
    {
      method: 'get',
      path: '/bookings',
      summary: 'My bookings (role=owner) or a clinic’s bookings (role=clinic)',
      tags,
      auth: true,
      query: ListBookingsQuery,
      responses: {
        200: { description: 'A page of bookings, ordered by start', schema: BookingListResponse },
        403: problem('Not a member of that clinic'),
      },
    },
    auth,
    async (req, res) => {
      const page = await service.list(req.principal!, req.valid.query);
      res.json({ items: page.items.map(toBookingView), nextCursor: page.next ? encodeCursor(page.next) : null });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/bookings/{id}',
      summary: 'One booking',
      tags,
      auth: true,
      params: BookingParams,
      responses: { 200: { description: 'The booking', schema: BookingSchema }, 404: hidden },
    },
    auth,
    async (req, res) => {
      res.json(toBookingView(await service.get(req.principal!, req.valid.params.id)));
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/bookings/{id}',
      summary: 'Reschedule, change the staff member or the notes',
      tags,
      auth: true,
      params: BookingParams,
      body: UpdateBookingBody,
      responses: {
        200: { description: 'The changed booking', schema: BookingSchema },
        404: hidden,
        409: problem('`slot_unavailable`, `booking_not_open`, `change_cutoff_passed` (owner), `service_not_bookable`'),
      },
    },
    auth,
    async (req, res) => {
      res.json(toBookingView(await service.update(req.principal!, req.valid.params.id, req.valid.body)));
    },
  );

  const actions: Array<{ segment: string; action: BookingAction; summary: string }> = [
    {
      segment: 'cancel',
      action: 'cancel',
      summary: 'Cancel (owner until the cancellation cut-off; the clinic any time, with a reason)',
    },
    { segment: 'confirm', action: 'confirm', summary: 'Confirm a pending booking (clinic)' },
    {
      segment: 'complete',
      action: 'complete',
      summary: 'Mark a confirmed booking as completed, once it has started (clinic)',
    },
    {
      segment: 'no-show',
      action: 'no_show',
      summary: 'Mark a confirmed booking as a no-show, once it has started (clinic)',
    },
  ];
  for (const a of actions) {
    api.route(
      {
        method: 'post',
        path: `/bookings/{id}/${a.segment}`,
        summary: a.summary,
        tags,
        auth: true,
        params: BookingParams,
        ...(a.action === 'cancel' ? { body: CancelBookingBody } : {}),
        responses: {
          200: { description: 'The booking in its new status', schema: BookingSchema },
          403: problem('Only the clinic can do this'),
          404: hidden,
          409: problem('`invalid_transition`; `cancellation_cutoff_passed`; `booking_not_started`'),
        },
      },
      auth,
      async (req, res) => {
        const body = (req.valid.body ?? {}) as { reason?: string };
        res.json(toBookingView(await service.transition(req.principal!, req.valid.params.id, a.action, body)));
      },
    );
  }
  return api;
}
