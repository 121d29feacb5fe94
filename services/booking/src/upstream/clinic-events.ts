/**
 * The clinic service's availability events (opening hours, closures, services, staff, publishing), followed with
 * the kit's event feed: each becomes an `availability.changed` in this service's outbox, in the
 * transaction that moves the feed cursor, so every subscriber learns of it exactly once; the clinic
 * data cached for availability is dropped at once.
 */
import { startFeedConsumer, type FeedEvent, type Logger, type ServiceClient } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';
import { availabilityChanged, type AvailabilityCause } from '../outbox/events.ts';
import { OutboxRepository } from '../outbox/outbox.repository.ts';
import type { ClinicDirectory } from './clinic.client.ts';

const CAUSES: Record<string, AvailabilityCause> = {
  'clinic.hours.changed': 'clinic.hours',
  'clinic.service.changed': 'clinic.services',
  'clinic.staff.changed': 'clinic.staff',
  'clinic.visibility.changed': 'clinic.visibility',
};

const ids = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/** Starts following the clinic feed; returns the stop function (for ctx.onClose). */
export function followClinicEvents(deps: {
  db: Kysely<DB>;
  client: ServiceClient;
  clinics: ClinicDirectory;
  log: Logger;
  intervalMs: number;
  /** Called after events were recorded (the real-time hubs read them at once). */
  recorded: () => void;
}): () => Promise<void> {
  return startFeedConsumer({
    db: deps.db,
    client: deps.client,
    source: 'clinic',
    log: deps.log,
    intervalMs: deps.intervalMs,
    afterCommit: deps.recorded,
    async handle(events: FeedEvent[], trx) {
      const changes = events.flatMap((e) => {
        const cause = CAUSES[e.type];
        const clinicId = e.payload.clinicId;
        if (!cause || typeof clinicId !== 'string') return [];
        deps.clinics.forget(clinicId);
        const serviceIds = ids(e.payload.serviceIds);
        const staffIds = ids(e.payload.staffIds);
        const hidden = cause === 'clinic.visibility' && e.payload.published !== true;
        return [
          availabilityChanged(clinicId, cause, {
            ...(serviceIds && { serviceIds }),
            ...(staffIds && { staffIds }),
            ...(hidden && { hidden }),
          }),
        ];
      });
      await new OutboxRepository(trx).append(changes);
    },
  });
}
