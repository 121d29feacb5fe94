import { pageOf, splitList, z } from '@petpro/kit';
import { DateOrInstant, Instant, Uuid } from '../shared/schemas.ts';
import { BOOKING_STATUSES } from './bookings.model.ts';

const Notes = z.string().trim().max(2000, 'at most 2000 characters');

export const CreateBookingBody = z
  .strictObject({
    clinicId: Uuid,
    serviceId: Uuid,
    petIds: z
      .array(Uuid)
      .min(1, 'at least one pet')
      .max(10, 'at most 10 pets')
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a pet'),
    start: Instant.openapi({ description: 'A start offered by GET /availability' }),
    staffId: Uuid.nullish().openapi({
      description: 'Omit to let the clinic’s least busy qualified staff member take it',
    }),
    notes: Notes.nullish(),
  })
  .openapi('CreateBookingRequest');
export type CreateBookingBody = z.output<typeof CreateBookingBody>;

/**
 * POST /bookings's request header. Its format (1-255 visible ASCII characters) is checked by the route,
 * which answers the specific 400 `invalid_idempotency_key` clients know, rather than by this schema.
 */
export const CreateBookingHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .optional()
    .openapi({
      maxLength: 255,
      description:
        'Repeat a POST safely: the same key with the same body returns the same booking (kept 24 h); ' +
        'with another body 422',
    }),
});

/** Headers of the 201 answer to POST /bookings. */
export const BookingCreatedHeaders = {
  Location: z.string().openapi({ description: 'The booking’s URL' }),
  'Idempotent-Replayed': z
    .literal('true')
    .optional()
    .openapi({ description: 'Present when this answers a retry with the same Idempotency-Key' }),
};

export const UpdateBookingBody = z
  .strictObject({
    start: Instant.optional(),
    staffId: Uuid.optional(),
    notes: Notes.nullable().optional(),
  })
  .refine((b) => b.start !== undefined || b.staffId !== undefined || b.notes !== undefined, {
    message: 'give start, staffId or notes',
  })
  .openapi('UpdateBookingRequest', {
    description: 'A new time or staff member is validated exactly like a new booking',
  });
export type UpdateBookingBody = z.output<typeof UpdateBookingBody>;

export const CancelBookingBody = z
  .strictObject({ reason: z.string().trim().min(1, 'is required').max(500).optional() })
  .openapi('CancelBookingRequest', { description: 'The clinic must give a reason; the owner may' });
export type CancelBookingBody = z.output<typeof CancelBookingBody>;

export const BookingParams = z.object({ id: Uuid });

/** A status or a comma-separated list of statuses. */
const StatusFilter = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.enum(BOOKING_STATUSES, { error: `must be among ${BOOKING_STATUSES.join(', ')}` })).min(1))
  .openapi({ type: 'string', example: 'pending,confirmed' });

export const ListBookingsQuery = z.object({
  role: z
    .enum(['owner', 'clinic'])
    .default('owner')
    .openapi({ description: 'owner: my bookings; clinic: the bookings of clinicId (its vendor, staff, admins)' }),
  clinicId: Uuid.optional(),
  status: StatusFilter.optional(),
  from: DateOrInstant.optional().openapi({ description: 'Starting on or after: a date (clinic-local) or an instant' }),
  to: DateOrInstant.optional().openapi({
    description: 'Starting before: a date (clinic-local, inclusive) or an instant (exclusive)',
  }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListBookingsQuery = z.output<typeof ListBookingsQuery>;

const Money = z.object({ amount: z.number().int().openapi({ description: 'Minor units' }), currency: z.string() });

export const BookingSchema = z
  .object({
    id: z.uuid(),
    clinicId: z.string(),
    serviceId: z.string(),
    staffId: z.string(),
    staffRequested: z.boolean().openapi({ description: 'The owner chose this staff member (kept on reschedule)' }),
    ownerId: z.string(),
    petIds: z.array(z.string()),
    pets: z.array(z.object({ id: z.string(), name: z.string(), species: z.string() })),
    start: z.string(),
    end: z.string(),
    timeZone: z.string(),
    status: z.enum(BOOKING_STATUSES),
    notes: z.string().nullable(),
    service: z
      .object({
        name: z.string(),
        category: z.string().nullable(),
        durationMinutes: z.number().int(),
        bufferMinutes: z.number().int(),
        price: Money,
      })
      .openapi({ description: 'Snapshot taken at booking time' }),
    confirmedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    noShowAt: z.string().nullable(),
    cancellation: z
      .object({ at: z.string(), by: z.enum(['owner', 'clinic']), reason: z.string().nullable() })
      .nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Booking');
export type BookingView = z.output<typeof BookingSchema>;

export const BookingListResponse = pageOf(BookingSchema).openapi('BookingList');
