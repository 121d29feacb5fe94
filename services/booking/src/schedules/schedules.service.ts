import { NotFoundError, ValidationError, type FieldError, type Principal } from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import type { ClinicAccess } from '../shared/clinic-access.ts';
import type { ClinicInfo } from '../upstream/clinic.client.ts';
import { availabilityChanged } from '../outbox/events.ts';
import { formatInstant, parseWindow } from '../shared/time.ts';
import { DEFAULT_POLICY, type BlockRecord, type PolicyRecord, type RuleRecord } from './schedules.model.ts';
import type { BlockBody, PolicyBody, RulesBody } from './schedules.schemas.ts';

/** Staff ids referenced by a schedule must be the clinic's own. */
function checkStaff(clinic: ClinicInfo, refs: Array<{ staffId: string | null | undefined; field: string }>): void {
  const known = new Set(clinic.staff.map((s) => s.id));
  const errors: FieldError[] = refs
    .filter((r) => r.staffId != null && !known.has(r.staffId))
    .map((r) => ({ field: r.field, message: 'is not a staff member of this clinic', code: 'unknown_staff' }));
  if (errors.length) throw new ValidationError(errors);
}

/** Schedules of a clinic: weekly rules, blocked times and the booking policy. */
export class SchedulesService {
  constructor(
    private readonly store: BookingStore,
    private readonly access: ClinicAccess,
  ) {}

  async getRules(principal: Principal, clinicId: string): Promise<{ clinic: ClinicInfo; rules: RuleRecord[] }> {
    const { clinic } = await this.access.assert(principal, clinicId, 'read_schedule');
    return { clinic, rules: await this.store.repos.schedules.listRules(clinicId) };
  }

  /** Replaces the clinic's rules as a whole, so the saved set is always the one the vendor sent. */
  async putRules(
    principal: Principal,
    clinicId: string,
    body: RulesBody,
  ): Promise<{ clinic: ClinicInfo; rules: RuleRecord[] }> {
    const { clinic } = await this.access.assert(principal, clinicId, 'manage_schedule');
    checkStaff(
      clinic,
      body.rules.map((r, i) => ({ staffId: r.staffId, field: `rules.${i}.staffId` })),
    );
    const rules = await this.store.transaction(async (repos) => {
      await repos.schedules.replaceRules(
        clinicId,
        body.rules.map((r) => ({
          staffId: r.staffId ?? null,
          weekday: r.weekday,
          start: r.start,
          end: r.end,
          validFrom: r.validFrom ?? null,
          validUntil: r.validUntil ?? null,
        })),
      );
      await repos.outbox.append([availabilityChanged(clinicId, 'rules')]);
      return repos.schedules.listRules(clinicId);
    });
    return { clinic, rules };
  }

  /** Blocks touching [from, to) (default: from now on, without end). */
  async listBlocks(
    principal: Principal,
    clinicId: string,
    q: { from?: string; to?: string },
  ): Promise<{ clinic: ClinicInfo; blocks: BlockRecord[] }> {
    const { clinic } = await this.access.assert(principal, clinicId, 'read_schedule');
    const window = parseWindow(q.from ?? new Date().toISOString(), q.to ?? '9999-12-31T00:00:00Z', clinic.timeZone);
    return {
      clinic,
      blocks: await this.store.repos.schedules.listBlocksTouching(clinicId, new Date(window.from), new Date(window.to)),
    };
  }

  async createBlock(
    principal: Principal,
    clinicId: string,
    body: BlockBody,
  ): Promise<{ clinic: ClinicInfo; block: BlockRecord }> {
    const { clinic } = await this.access.assert(principal, clinicId, 'manage_schedule');
    checkStaff(clinic, [{ staffId: body.staffId, field: 'staffId' }]);
    const block = await this.store.transaction(async (repos) => {
      const created = await repos.schedules.insertBlock({
        clinicId,
        staffId: body.staffId ?? null,
        start: new Date(body.start),
        end: new Date(body.end),
        reason: body.reason,
        recurrence: body.recurrence ? { weekly: true, until: body.recurrence.until ?? null } : null,
        createdBy: principal.userId,
      });
      await repos.outbox.append([availabilityChanged(clinicId, 'block.created', blockScope(created, clinic.timeZone))]);
      return created;
    });
    return { clinic, block };
  }

  async deleteBlock(principal: Principal, clinicId: string, blockId: string): Promise<void> {
    const { clinic } = await this.access.assert(principal, clinicId, 'manage_schedule');
    await this.store.transaction(async (repos) => {
      const deleted = await repos.schedules.deleteBlock(clinicId, blockId);
      if (!deleted) throw new NotFoundError('block_not_found', 'No such block at this clinic');
      await repos.outbox.append([availabilityChanged(clinicId, 'block.deleted', blockScope(deleted, clinic.timeZone))]);
    });
  }

  async getPolicy(principal: Principal, clinicId: string): Promise<{ policy: PolicyRecord; isDefault: boolean }> {
    await this.access.assert(principal, clinicId, 'read_schedule');
    const saved = await this.store.repos.schedules.findPolicy(clinicId);
    return { policy: saved ?? { ...DEFAULT_POLICY }, isDefault: !saved };
  }

  async putPolicy(
    principal: Principal,
    clinicId: string,
    body: PolicyBody,
  ): Promise<{ policy: PolicyRecord; isDefault: boolean }> {
    await this.access.assert(principal, clinicId, 'manage_schedule');
    const policy: PolicyRecord = { ...DEFAULT_POLICY, ...stripUndefined(body) };
    await this.store.transaction(async (repos) => {
      await repos.schedules.upsertPolicy(clinicId, policy, principal.userId);
      await repos.outbox.append([availabilityChanged(clinicId, 'policy')]);
    });
    return { policy, isDefault: false };
  }
}

/**
 * The time a block covers, for the availability event (a weekly block: from its first start, open-ended or until its
 * last date).
 */
function blockScope(b: BlockRecord, zone: string): { from: string; to?: string; staffIds?: string[] } {
  return {
    from: formatInstant(b.start, zone),
    ...(b.recurrence ? {} : { to: formatInstant(b.end, zone) }),
    ...(b.staffId ? { staffIds: [b.staffId] } : {}),
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
