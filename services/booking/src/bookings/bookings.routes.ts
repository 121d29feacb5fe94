import {
  BadRequestError,
  problem,
  requireAuth,
  requirePermission,
  type AccessTokenVerifier,
  type ApiRouter,
} from '@petpro/kit';
import type { BookingsService } from './bookings.service.ts';
import type { BookingAction } from './bookings.model.ts';
import { toBookingView } from './bookings.view.ts';
import { isValidIdempotencyKey } from './idempotency.ts';
import {
  BookingCreatedHeaders,
  BookingListResponse,
  BookingParams,
  BookingSchema,
  CancelBookingBody,
  CreateBookingBody,
  CreateBookingHeaders,
  ListBookingsQuery,
  UpdateBookingBody,
} from './bookings.schemas.ts';

const tags = ['bookings'];
const hidden = problem('No such booking, or not yours to see');

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!isValidIdempotencyKey(header)) {
    throw new BadRequestError(
      'invalid_idempotency_key',
      'The Idempotency-Key must be 1 to 255 visible ASCII characters',
      [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
    );
  }
  return header;
}

/** The status steps only the clinic takes; each is POST /api/v1/bookings/{id}/<step> without a body. */
const CLINIC_STEPS: Array<{ path: string; action: BookingAction; summary: string }> = [
  { path: '/api/v1/bookings/{id}/confirm', action: 'confirm', summary: 'Confirm a pending booking (clinic)' },
  {
    path: '/api/v1/bookings/{id}/complete',
    action: 'complete',
    summary: 'Mark a confirmed booking as completed, once it has started (clinic)',
  },
  {
    path: '/api/v1/bookings/{id}/no-show',
    action: 'no_show',
    summary: 'Mark a confirmed booking as a no-show, once it has started (clinic)',
  },
];

const STEP_RESPONSES = {
  200: { description: 'The booking in its new status', schema: BookingSchema },
  403: problem('Only the clinic can do this'),
  404: hidden,
  409: problem('`invalid_transition`; `cancellation_cutoff_passed`; `booking_not_started`'),
};

/** Bookings of pet owners and clinics. */
export function bookingsRoutes(api: ApiRouter, deps: { bookings: BookingsService; verifier: AccessTokenVerifier }) {
  const { bookings } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/bookings',
      summary: 'Book a slot for my pets',
      tags,
      auth: true,
      body: CreateBookingBody,
      headers: CreateBookingHeaders,
      responses: {
        201: {
          description: 'Booked (also the answer to a retry with the same Idempotency-Key)',
          schema: BookingSchema,
          headers: BookingCreatedHeaders,
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
    async (req, reply) => {
      const key = idempotencyKeyOf(req.valid.headers['Idempotency-Key']);
      const out = await bookings.create(req.principal!, req.valid.body, key);
      return reply(201, toBookingView(out.booking), {
        Location: `/api/v1/bookings/${out.booking.id}`,
        'Idempotent-Replayed': out.replayed ? 'true' : undefined,
      });
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/bookings',
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
    async (req, reply) => {
      const page = await bookings.listPage(req.principal!, req.valid.query);
      return reply(200, { items: page.items.map(toBookingView), nextCursor: page.nextCursor });
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/bookings/{id}',
      summary: 'One booking',
      tags,
      auth: true,
      params: BookingParams,
      responses: { 200: { description: 'The booking', schema: BookingSchema }, 404: hidden },
    },
    auth,
    async (req, reply) => reply(200, toBookingView(await bookings.get(req.principal!, req.valid.params.id))),
  );

  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/bookings/{id}',
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
    async (req, reply) => {
      const changed = await bookings.update(req.principal!, req.valid.params.id, req.valid.body);
      return reply(200, toBookingView(changed));
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/bookings/{id}/cancel',
      summary: 'Cancel (owner until the cancellation cut-off; the clinic any time, with a reason)',
      tags,
      auth: true,
      params: BookingParams,
      body: CancelBookingBody,
      responses: STEP_RESPONSES,
    },
    auth,
    async (req, reply) => {
      const { id } = req.valid.params;
      const cancelled = await bookings.transition(req.principal!, id, 'cancel', req.valid.body);
      return reply(200, toBookingView(cancelled));
    },
  );

  for (const step of CLINIC_STEPS) {
    api.endpoint(
      {
        method: 'post',
        path: step.path,
        summary: step.summary,
        tags,
        auth: true,
        params: BookingParams,
        responses: STEP_RESPONSES,
      },
      auth,
      async (req, reply) => {
        const moved = await bookings.transition(req.principal!, req.valid.params.id, step.action, {});
        return reply(200, toBookingView(moved));
      },
    );
  }
}
