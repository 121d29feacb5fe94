/**
 * What the clinic service tells others about changes to what can be booked (opening hours, closures,
 * services, staff): events in its own feed (the kit's event feed, table `feed_events`), appended in
 * the transaction of the change and read by the booking service from `GET /internal/events`.
 */
import { appendFeedEvents } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** Types of the clinic's availability events; the payload always names the clinic. */
export type ClinicAvailabilityEvent =
  | 'clinic.hours.changed'
  | 'clinic.service.changed'
  | 'clinic.staff.changed'
  /** Published or unpublished (`published`), or deleted (`published: false`). */
  | 'clinic.visibility.changed';

/** The feed's only writer in the clinic service; always used inside the change's `store.transaction`. */
export class AvailabilityEventsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Records that a clinic's bookable time changed, as the last statement of the change's transaction
   * (the feed's order lock is held to the commit). `serviceIds`/`staffIds` narrow what changed when known.
   */
  clinicChanged(
    type: ClinicAvailabilityEvent,
    clinicId: string,
    scope: { serviceIds?: string[]; staffIds?: string[]; published?: boolean } = {},
  ): Promise<void> {
    return appendFeedEvents(this.db, [{ type, payload: { clinicId, ...scope } }]);
  }
}
