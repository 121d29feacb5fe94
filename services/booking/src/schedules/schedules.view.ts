import type { ClinicInfo } from '../upstream/clinic.client.ts';
import { formatInstant } from '../shared/time.ts';
import type { BlockRecord, PolicyRecord, RuleRecord } from './schedules.model.ts';
import type { BlockView, PolicyView, RulesView, RuleView } from './schedules.schemas.ts';

/** A weekly rule as clients see it (local times, inclusive dates). */
export function toRuleView(r: RuleRecord): RuleView {
  return {
    id: r.id,
    staffId: r.staffId,
    weekday: r.weekday,
    start: r.start,
    end: r.end,
    validFrom: r.validFrom,
    validUntil: r.validUntil,
  };
}

/** A clinic's rules with the zone they are read in. */
export function toRulesView(clinic: ClinicInfo, rules: readonly RuleRecord[]): RulesView {
  return { clinicId: clinic.id, timeZone: clinic.timeZone, rules: rules.map(toRuleView) };
}

/** A blocked time, its instants in the clinic's offset (`createdAt` in UTC, as it always was). */
export function toBlockView(b: BlockRecord, zone: string): BlockView {
  return {
    id: b.id,
    clinicId: b.clinicId,
    staffId: b.staffId,
    start: formatInstant(b.start, zone),
    end: formatInstant(b.end, zone),
    reason: b.reason,
    recurrence: b.recurrence,
    createdAt: b.createdAt.toISOString(),
  };
}

/** A clinic's booking policy, saying whether it is still the default one. */
export function toPolicyView(clinicId: string, p: { policy: PolicyRecord; isDefault: boolean }): PolicyView {
  return { clinicId, ...p.policy, isDefault: p.isDefault };
}
