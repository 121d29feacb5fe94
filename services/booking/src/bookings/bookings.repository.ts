import { sql, type Kysely, type Selectable } from 'kysely';
import type { BookingsTable, BookingStatus, DB, PetSnapshot } from '../db.ts';
import { OPEN_STATUSES, type BookingRecord } from './bookings.model.ts';
import type { BusyBooking } from '../availability/availability.engine.ts';

type Row = Omit<Selectable<BookingsTable>, 'during'>;

const cols = [
  'id',
  'clinic_id',
  'service_id',
  'staff_id',
  'staff_requested',
  'owner_id',
  'pet_ids',
  'pets',
  'starts_at',
  'ends_at',
  'held_until',
  'time_zone',
  'status',
  'notes',
  'service_name',
  'service_category',
  'duration_minutes',
  'buffer_minutes',
  'price_amount',
  'price_currency',
  'confirmed_at',
  'completed_at',
  'no_show_at',
  'cancelled_at',
  'cancelled_by',
  'cancelled_by_role',
  'cancellation_reason',
  'cancellation_cutoff_minutes',
  'version',
  'created_at',
  'updated_at',
] as const;

function toBooking(r: Row): BookingRecord {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    serviceId: r.service_id,
    staffId: r.staff_id,
    staffRequested: r.staff_requested,
    ownerId: r.owner_id,
    petIds: r.pet_ids,
    pets: r.pets,
    start: r.starts_at,
    end: r.ends_at,
    heldUntil: r.held_until,
    timeZone: r.time_zone,
    status: r.status,
    notes: r.notes,
    service: {
      name: r.service_name,
      category: r.service_category,
      durationMinutes: r.duration_minutes,
      bufferMinutes: r.buffer_minutes,
      price: { amount: Number(r.price_amount), currency: r.price_currency },
    },
    confirmedAt: r.confirmed_at,
    completedAt: r.completed_at,
    noShowAt: r.no_show_at,
    cancelledAt: r.cancelled_at,
    cancelledBy: r.cancelled_by,
    cancelledByRole: r.cancelled_by_role,
    cancellationReason: r.cancellation_reason,
    cancellationCutoffMinutes: r.cancellation_cutoff_minutes,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewBooking {
  id: string;
  clinicId: string;
  serviceId: string;
  staffId: string;
  staffRequested: boolean;
  ownerId: string;
  pets: PetSnapshot[];
  start: Date;
  end: Date;
  heldUntil: Date;
  timeZone: string;
  notes: string | null;
  service: BookingRecord['service'];
  cancellationCutoffMinutes: number;
}

/** Fields a change may set; the version always moves on. */
export interface BookingChange {
  staffId?: string;
  staffRequested?: boolean;
  start?: Date;
  end?: Date;
  heldUntil?: Date;
  notes?: string | null;
  status?: BookingStatus;
  confirmedAt?: Date | null;
  completedAt?: Date;
  noShowAt?: Date;
  cancelledAt?: Date;
  cancelledBy?: string;
  cancelledByRole?: 'owner' | 'clinic';
  cancellationReason?: string | null;
}

/** Whose booking a change may touch: the acting owner's, or one of the acting clinic's. */
export type BookingScope = { ownerId: string } | { clinicId: string };

/** Filters of a booking list. Date filters compare the booking's local date in its clinic's zone. */
export interface BookingListFilter {
  ownerId?: string;
  clinicId?: string;
  statuses?: readonly BookingStatus[];
  startsFrom?: Date;
  startsBefore?: Date;
  localDateFrom?: string;
  localDateTo?: string;
}

export interface ListCursor {
  start: Date;
  id: string;
}

/** The exclusion constraint that makes double booking impossible. */
export const NO_OVERLAP_CONSTRAINT = 'bookings_no_overlap';

/** The only SQL for bookings. */
export class BookingsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Inserts a booking; a clash with another open booking of the staff member raises 23P01 on
   * {@link NO_OVERLAP_CONSTRAINT}.
   */
  async insert(b: NewBooking): Promise<BookingRecord> {
    const row = await this.db
      .insertInto('bookings')
      .values({
        id: b.id,
        clinic_id: b.clinicId,
        service_id: b.serviceId,
        staff_id: b.staffId,
        staff_requested: b.staffRequested,
        owner_id: b.ownerId,
        pet_ids: b.pets.map((p) => p.id),
        pets: JSON.stringify(b.pets),
        starts_at: b.start,
        ends_at: b.end,
        held_until: b.heldUntil,
        time_zone: b.timeZone,
        notes: b.notes,
        service_name: b.service.name,
        service_category: b.service.category,
        duration_minutes: b.service.durationMinutes,
        buffer_minutes: b.service.bufferMinutes,
        price_amount: b.service.price.amount,
        price_currency: b.service.price.currency,
        cancellation_cutoff_minutes: b.cancellationCutoffMinutes,
      })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toBooking(row);
  }

  /** A booking by id; `forUpdate` locks it until the transaction ends, so concurrent changes queue. */
  async findById(id: string, opts: { forUpdate?: boolean } = {}): Promise<BookingRecord | undefined> {
    let q = this.db.selectFrom('bookings').select(cols).where('id', '=', id);
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && toBooking(r);
  }

  /** Open bookings of these staff members whose held time overlaps [from, to), except `excludeId`. */
  async findBusy(staffIds: readonly string[], from: Date, to: Date, excludeId?: string): Promise<BusyBooking[]> {
    if (!staffIds.length) return [];
    let q = this.db
      .selectFrom('bookings')
      .select(['staff_id', 'starts_at', 'held_until'])
      .where('staff_id', 'in', staffIds)
      .where('status', 'in', OPEN_STATUSES)
      .where(sql<boolean>`during && tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')`);
    if (excludeId) q = q.where('id', '!=', excludeId);
    const rows = await q.execute();
    return rows.map((r) => ({ staffId: r.staff_id, start: r.starts_at.getTime(), end: r.held_until.getTime() }));
  }

  /** Open bookings per staff member starting in [from, to): the load that balancing evens out. */
  async countOpenByStaff(
    staffIds: readonly string[],
    from: Date,
    to: Date,
    excludeId?: string,
  ): Promise<Map<string, number>> {
    if (!staffIds.length) return new Map();
    let q = this.db
      .selectFrom('bookings')
      .select(['staff_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('staff_id', 'in', staffIds)
      .where('status', 'in', OPEN_STATUSES)
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .groupBy('staff_id');
    if (excludeId) q = q.where('id', '!=', excludeId);
    const rows = await q.execute();
    return new Map(rows.map((r) => [r.staff_id, Number(r.n)]));
  }

  /**
   * Applies a change and bumps the version, within the scope written into the query (the owner's own
   * booking, or a booking of the clinic acting); undefined when the booking is not in it.
   */
  async update(id: string, scope: BookingScope, c: BookingChange): Promise<BookingRecord | undefined> {
    const row = await this.db
      .updateTable('bookings')
      .set((eb) => ({
        ...(c.staffId !== undefined && { staff_id: c.staffId }),
        ...(c.staffRequested !== undefined && { staff_requested: c.staffRequested }),
        ...(c.start !== undefined && { starts_at: c.start }),
        ...(c.end !== undefined && { ends_at: c.end }),
        ...(c.heldUntil !== undefined && { held_until: c.heldUntil }),
        ...(c.notes !== undefined && { notes: c.notes }),
        ...(c.status !== undefined && { status: c.status }),
        ...(c.confirmedAt !== undefined && { confirmed_at: c.confirmedAt }),
        ...(c.completedAt !== undefined && { completed_at: c.completedAt }),
        ...(c.noShowAt !== undefined && { no_show_at: c.noShowAt }),
        ...(c.cancelledAt !== undefined && { cancelled_at: c.cancelledAt }),
        ...(c.cancelledBy !== undefined && { cancelled_by: c.cancelledBy }),
        ...(c.cancelledByRole !== undefined && { cancelled_by_role: c.cancelledByRole }),
        ...(c.cancellationReason !== undefined && { cancellation_reason: c.cancellationReason }),
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', id)
      .where('ownerId' in scope ? 'owner_id' : 'clinic_id', '=', 'ownerId' in scope ? scope.ownerId : scope.clinicId)
      .returning(cols)
      .executeTakeFirst();
    return row && toBooking(row);
  }

  /** Up to `limit + 1` bookings ordered by start then id, after `cursor` (the extra one tells that more follow). */
  async listPage(filter: BookingListFilter, cursor: ListCursor | undefined, limit: number): Promise<BookingRecord[]> {
    let q = this.db.selectFrom('bookings').select(cols);
    if (filter.ownerId) q = q.where('owner_id', '=', filter.ownerId);
    if (filter.clinicId) q = q.where('clinic_id', '=', filter.clinicId);
    if (filter.statuses?.length) q = q.where('status', 'in', filter.statuses);
    if (filter.startsFrom) q = q.where('starts_at', '>=', filter.startsFrom);
    if (filter.startsBefore) q = q.where('starts_at', '<', filter.startsBefore);
    if (filter.localDateFrom) {
      // A local date lies within a day and a bit of the same UTC date in any zone; the coarse bound lets the index
      // help.
      q = q
        .where('starts_at', '>=', sql<Date>`(${filter.localDateFrom}::date - 1)::timestamp at time zone 'UTC'`)
        .where(sql<boolean>`(starts_at at time zone time_zone)::date >= ${filter.localDateFrom}::date`);
    }
    if (filter.localDateTo) {
      q = q
        .where('starts_at', '<', sql<Date>`(${filter.localDateTo}::date + 2)::timestamp at time zone 'UTC'`)
        .where(sql<boolean>`(starts_at at time zone time_zone)::date <= ${filter.localDateTo}::date`);
    }
    if (cursor) {
      q = q.where((eb) =>
        eb.or([
          eb('starts_at', '>', cursor.start),
          eb.and([eb('starts_at', '=', cursor.start), eb('id', '>', cursor.id)]),
        ]),
      );
    }
    const rows = await q
      .orderBy('starts_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return rows.map(toBooking);
  }
}
