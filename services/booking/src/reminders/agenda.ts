import { DateTime } from 'luxon';
import {
  greeting,
  mailSafeText,
  renderMail,
  type Language,
  type Logger,
  type Mailer,
  type RenderedMail,
} from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import type { ClinicDirectory, ClinicInfo } from '../upstream/clinic.client.ts';
import type { RecipientDirectory } from '../upstream/recipients.client.ts';
import type { BookingRecord } from '../bookings/bookings.model.ts';
import { DEFAULT_POLICY } from '../schedules/schedules.model.ts';
import { DAY_MS } from '../shared/time.ts';

/** The agenda goes out from 07:00 local; a service down all morning does not send it after noon. */
const AGENDA_FROM_HOUR = 7;
const AGENDA_UNTIL_HOUR = 12;
const MAX_LISTED = 200;

/**
 * The clinic's daily agenda: at 07:00 in the clinic's zone its owner gets a mail listing the day's
 * open bookings (clinics with none get no mail), unless the clinic turned `dailyAgendaMail` off in
 * its booking policy. Every replica runs it; the row per clinic and local day makes it once.
 */
export class AgendaMailer {
  constructor(
    private readonly deps: {
      store: BookingStore;
      clinics: ClinicDirectory;
      recipients: RecipientDirectory;
      mailer: Mailer;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /** One pass: every clinic whose morning it is and whose agenda has not gone out today. */
  async sendDue(): Promise<number> {
    const now = (this.deps.now ?? Date.now)();
    const candidates = await this.deps.store.repos.reminders.clinicsBookedBetween(
      new Date(now - DAY_MS),
      new Date(now + 2 * DAY_MS),
    );
    let sent = 0;
    for (const c of candidates) {
      const local = DateTime.fromMillis(now, { zone: c.timeZone });
      if (local.hour < AGENDA_FROM_HOUR || local.hour >= AGENDA_UNTIL_HOUR) continue;
      try {
        if (await this.sendFor(c.clinicId, local.toISODate()!)) sent++;
      } catch (err) {
        // Rolled back: the next pass tries again.
        this.deps.log.warn({ err, clinicId: c.clinicId }, 'agenda mail failed');
      }
    }
    return sent;
  }

  private sendFor(clinicId: string, date: string): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      if (!(await tx.reminders.claimAgenda(clinicId, date))) return false;
      const policy = (await tx.schedules.findPolicy(clinicId)) ?? DEFAULT_POLICY;
      if (!policy.dailyAgendaMail) return false;
      const bookings = await tx.bookings.listPage(
        { clinicId, localDateFrom: date, localDateTo: date, statuses: ['pending', 'confirmed'] },
        undefined,
        MAX_LISTED,
      );
      if (!bookings.length) return false;
      const clinic = await this.deps.clinics.clinic(clinicId);
      const owner = await this.deps.recipients.contact(clinic.ownerUserId);
      if (!owner) return false;
      const mail = agendaMail(owner.language, { clinic, date, bookings, ownerName: owner.name });
      await this.deps.mailer.send({ to: owner.email, ...mail });
      return true;
    });
  }
}

/** The agenda mail: one line per booking, local times in the clinic's zone. */
export function agendaMail(
  lang: Language,
  v: { clinic: ClinicInfo; date: string; bookings: BookingRecord[]; ownerName: string | null },
): RenderedMail {
  const zone = v.clinic.timeZone;
  const locale = lang === 'en' ? 'en-GB' : 'id';
  const day = DateTime.fromISO(v.date, { zone }).setLocale(locale).toFormat('cccc, d LLLL yyyy');
  const staff = new Map(v.clinic.staff.map((s) => [s.id, mailSafeText(s.name, 60) ?? '']));
  const lines = v.bookings.map((b) => {
    const from = DateTime.fromJSDate(b.start, { zone }).toFormat('HH:mm');
    const to = DateTime.fromJSDate(b.end, { zone }).toFormat('HH:mm');
    const pets = b.pets.map((p) => mailSafeText(p.name, 40) ?? p.species).join(', ');
    const service = mailSafeText(b.service.name, 80) ?? '';
    const status = lang === 'en' ? b.status : b.status === 'pending' ? 'menunggu konfirmasi' : 'terkonfirmasi';
    return `${from}-${to} ${service}: ${pets} (${staff.get(b.staffId) ?? '-'}, ${status})`;
  });
  const clinic = mailSafeText(v.clinic.name, 80) ?? 'PetPro';
  return lang === 'en'
    ? renderMail(lang, {
        subject: `Agenda for ${day}: ${v.bookings.length} booking(s) at ${clinic}`,
        heading: greeting(lang, v.ownerName),
        paragraphs: [`The bookings at ${clinic} today, ${day}:`, ...lines],
      })
    : renderMail(lang, {
        subject: `Agenda ${day}: ${v.bookings.length} pemesanan di ${clinic}`,
        heading: greeting(lang, v.ownerName),
        paragraphs: [`Pemesanan di ${clinic} hari ini, ${day}:`, ...lines],
      });
}
