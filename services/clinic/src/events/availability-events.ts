/**
 * What the clinic service tells others about changes to what can be booked (opening hours, closures,
 * services, staff): events in its own feed (the kit's event feed, table `feed_events`), appended in
 * the transaction of the change and read by the booking service from `GET /internal/events`.
 */
import { appendFeedEvents } from '@petpro/kit';
import type { QueryExecutorProvider } from 'kysely';

/** Types of the clinic's availability events; the payload always names the clinic. */
export type ClinicAvailabilityEvent = 'clinic.hours.changed' | 'clinic.service.changed' | 'clinic.staff.changed';

/**
 * Records that a clinic's bookable time changed; call with the change's transaction, as its last statement.
 * `serviceIds`/`staffIds` narrow what changed when known.
 */
export function clinicChanged(
  trx: QueryExecutorProvider,
  type: ClinicAvailabilityEvent,
  clinicId: string,
  scope: { serviceIds?: string[]; staffIds?: string[] } = {},
): Promise<void> {
  return appendFeedEvents(trx, [{ type, payload: { clinicId, ...scope } }]);
}
