import { z } from '@petpro/kit';
import { DateOrInstant, Uuid } from '../shared/schemas.ts';

export const AvailabilityQuery = z.object({
  clinicId: Uuid,
  serviceId: Uuid,
  from: DateOrInstant.openapi({ description: 'A clinic-local date (its whole day) or an instant' }),
  to: DateOrInstant.openapi({
    description: 'A clinic-local date (inclusive) or an instant (exclusive); at most 31 days after from',
  }),
  staffId: Uuid.optional(),
});
export type AvailabilityQuery = z.output<typeof AvailabilityQuery>;

export const SlotSchema = z.object({
  start: z.string().openapi({ example: '2027-05-03T09:00:00+07:00' }),
  end: z.string().openapi({
    example: '2027-05-03T10:00:00+07:00',
    description: 'start + duration (the buffer after it is held but not shown)',
  }),
  staffIds: z.array(z.string()).openapi({ description: 'Qualified staff free for this slot' }),
});

export const AvailabilityResponse = z
  .object({
    clinicId: z.string(),
    serviceId: z.string(),
    timeZone: z.string(),
    from: z.string(),
    to: z.string(),
    slots: z.array(SlotSchema),
  })
  .openapi('Availability', { description: 'Bookable slots; instants carry the clinic’s UTC offset' });
export type AvailabilityView = z.output<typeof AvailabilityResponse>;
