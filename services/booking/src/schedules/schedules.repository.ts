import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';
import type { BlockRecord, PolicyRecord, RuleRecord } from './schedules.model.ts';

type BlockRow = {
  id: string;
  clinic_id: string;
  staff_id: string | null;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  recurrence_weekly: boolean;
  recurrence_until: string | null;
  created_by: string;
  created_at: Date;
};

function toBlock(r: BlockRow): BlockRecord {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    staffId: r.staff_id,
    start: r.starts_at,
    end: r.ends_at,
    reason: r.reason,
    recurrence: r.recurrence_weekly ? { weekly: true, until: r.recurrence_until } : null,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

// `date` columns are read as text: the engine compares 'YYYY-MM-DD' strings, and pg would otherwise
// turn them into Date objects at the server process's local midnight.
const validFrom = sql<string | null>`to_char(valid_from, 'YYYY-MM-DD')`.as('valid_from');
const validUntil = sql<string | null>`to_char(valid_until, 'YYYY-MM-DD')`.as('valid_until');
const recurrenceUntil = sql<string | null>`to_char(recurrence_until, 'YYYY-MM-DD')`.as('recurrence_until');
const blockCols = [
  'id',
  'clinic_id',
  'staff_id',
  'starts_at',
  'ends_at',
  'reason',
  'recurrence_weekly',
  'created_by',
  'created_at',
] as const;

export interface NewRule {
  staffId: string | null;
  weekday: number;
  start: string;
  end: string;
  validFrom: string | null;
  validUntil: string | null;
}

/** A block to store: everything but what the database assigns. */
export type NewBlock = Omit<BlockRecord, 'id' | 'createdAt'>;

/** The only SQL for schedule rules, blocked times and booking policies. */
export class SchedulesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** A clinic's rules in the order they were saved. */
  async listRules(clinicId: string): Promise<RuleRecord[]> {
    const rows = await this.db
      .selectFrom('schedule_rules')
      .select(['id', 'staff_id', 'weekday', 'start_time', 'end_time', validFrom, validUntil])
      .where('clinic_id', '=', clinicId)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      staffId: r.staff_id,
      weekday: r.weekday,
      start: r.start_time,
      end: r.end_time,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
    }));
  }

  /** Replaces every rule of a clinic (call inside a transaction). */
  async replaceRules(clinicId: string, rules: readonly NewRule[]): Promise<void> {
    await this.db.deleteFrom('schedule_rules').where('clinic_id', '=', clinicId).execute();
    if (!rules.length) return;
    await this.db
      .insertInto('schedule_rules')
      .values(
        rules.map((r, position) => ({
          id: uuidv7(),
          clinic_id: clinicId,
          staff_id: r.staffId,
          weekday: r.weekday,
          start_time: r.start,
          end_time: r.end,
          valid_from: r.validFrom,
          valid_until: r.validUntil,
          position,
        })),
      )
      .execute();
  }

  /**
   * Blocks that can touch [from, to): one-off blocks overlapping it, weekly ones started before its end and not over.
   */
  async listBlocksTouching(clinicId: string, from: Date, to: Date): Promise<BlockRecord[]> {
    const rows = await this.db
      .selectFrom('schedule_blocks')
      .select([...blockCols, recurrenceUntil])
      .where('clinic_id', '=', clinicId)
      .where('starts_at', '<', to)
      .where((eb) =>
        eb.or([
          eb('ends_at', '>', from),
          // The last occurrence starts on the local date `until` and lasts up to 7 days; a day more covers any zone's
          // offset.
          eb.and([
            eb('recurrence_weekly', '=', true),
            eb.or([
              eb('recurrence_until', 'is', null),
              sql<boolean>`recurrence_until >= (${from}::timestamptz - interval '8 days')::date`,
            ]),
          ]),
        ]),
      )
      .orderBy('starts_at')
      .orderBy('id')
      .execute();
    return rows.map(toBlock);
  }

  async insertBlock(b: NewBlock): Promise<BlockRecord> {
    const row = await this.db
      .insertInto('schedule_blocks')
      .values({
        id: uuidv7(),
        clinic_id: b.clinicId,
        staff_id: b.staffId,
        starts_at: b.start,
        ends_at: b.end,
        reason: b.reason,
        recurrence_weekly: b.recurrence !== null,
        recurrence_until: b.recurrence?.until ?? null,
        created_by: b.createdBy,
      })
      .returning([...blockCols, recurrenceUntil])
      .executeTakeFirstOrThrow();
    return toBlock(row);
  }

  /** Deletes a block of the clinic; undefined when there was none. */
  async deleteBlock(clinicId: string, blockId: string): Promise<BlockRecord | undefined> {
    const row = await this.db
      .deleteFrom('schedule_blocks')
      .where('clinic_id', '=', clinicId)
      .where('id', '=', blockId)
      .returning([...blockCols, recurrenceUntil])
      .executeTakeFirst();
    return row && toBlock(row);
  }

  /** The saved policy, or undefined when the clinic uses the defaults. */
  async findPolicy(clinicId: string): Promise<PolicyRecord | undefined> {
    const r = await this.db
      .selectFrom('booking_policies')
      .select([
        'min_notice_minutes',
        'max_advance_days',
        'cancellation_cutoff_minutes',
        'slot_step_minutes',
        'daily_agenda_mail',
      ])
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    return (
      r && {
        minNoticeMinutes: r.min_notice_minutes,
        maxAdvanceDays: r.max_advance_days,
        cancellationCutoffMinutes: r.cancellation_cutoff_minutes,
        slotStepMinutes: r.slot_step_minutes,
        dailyAgendaMail: r.daily_agenda_mail,
      }
    );
  }

  async upsertPolicy(clinicId: string, p: PolicyRecord, updatedBy: string): Promise<void> {
    const values = {
      min_notice_minutes: p.minNoticeMinutes,
      max_advance_days: p.maxAdvanceDays,
      cancellation_cutoff_minutes: p.cancellationCutoffMinutes,
      slot_step_minutes: p.slotStepMinutes,
      daily_agenda_mail: p.dailyAgendaMail,
      updated_by: updatedBy,
      updated_at: new Date(),
    };
    await this.db
      .insertInto('booking_policies')
      .values({ clinic_id: clinicId, ...values })
      .onConflict((oc) => oc.column('clinic_id').doUpdateSet(values))
      .execute();
  }
}
