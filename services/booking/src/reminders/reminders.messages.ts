import { DateTime } from 'luxon';
import { greeting, mailSafeText, renderMail, type Language, type NotificationMessage } from '@petpro/kit';
import type { BookingRecord } from '../bookings/bookings.model.ts';
import type { CareRecord } from './care.model.ts';

/** What a reminder names: the booking as it is at send time and its clinic. */
export interface ReminderFacts {
  booking: BookingRecord;
  clinic: { name: string; address?: string | null; city?: string | null; timeZone: string };
  recipientName: string | null;
  /** Where the owner sees (and cancels) the booking. */
  bookingUrl: string;
}

/** The appointment's local time in the clinic's zone, in the reader's language (`Senin, 7 Desember 2026 09.00 WIB`). */
export function localAppointmentTime(start: Date, timeZone: string, lang: Language): { day: string; time: string } {
  const t = DateTime.fromJSDate(start, { zone: timeZone }).setLocale(lang === 'en' ? 'en-GB' : 'id');
  return {
    day: t.toFormat('cccc, d LLLL yyyy'),
    time: `${t.toFormat('HH:mm')} ${t.offsetNameShort ?? t.toFormat('ZZ')}`,
  };
}

function petNames(b: BookingRecord): string {
  return b.pets.map((p) => mailSafeText(p.name, 40) ?? p.species).join(', ');
}

/** The appointment reminder in the owner's language, every length a channel may take. */
export function appointmentReminder(lang: Language, f: ReminderFacts): NotificationMessage {
  const { day, time } = localAppointmentTime(f.booking.start, f.clinic.timeZone, lang);
  const clinic = mailSafeText(f.clinic.name, 80) ?? 'PetPro';
  const service = mailSafeText(f.booking.service.name, 80) ?? '';
  const pets = petNames(f.booking);
  const address = [f.clinic.address, f.clinic.city]
    .map((x) => mailSafeText(x, 120))
    .filter(Boolean)
    .join(', ');
  const data = {
    bookingId: f.booking.id,
    clinicId: f.booking.clinicId,
    startsAt: f.booking.start.toISOString(),
    timeZone: f.clinic.timeZone,
  };
  const en = lang === 'en';
  const shortText = en
    ? `PetPro: ${pets} at ${clinic}, ${day} ${time}. ${service}. Details/cancel: ${f.bookingUrl}`
    : `PetPro: ${pets} di ${clinic}, ${day} ${time}. ${service}. Detail/batal: ${f.bookingUrl}`;
  const mail = renderMail(
    lang,
    en
      ? {
          subject: `Reminder: ${service} at ${clinic}, ${day} ${time}`,
          heading: greeting(lang, f.recipientName),
          paragraphs: [
            `This is a reminder of your appointment at ${clinic}.`,
            `When: ${day}, ${time} (clinic time)`,
            `Service: ${service}`,
            `Pet: ${pets}`,
            ...(address ? [`Address: ${address}`] : []),
            'If you cannot come, please cancel so that another pet can have the time.',
          ],
          action: { label: 'See or cancel the booking', url: f.bookingUrl },
        }
      : {
          subject: `Pengingat: ${service} di ${clinic}, ${day} ${time}`,
          heading: greeting(lang, f.recipientName),
          paragraphs: [
            `Ini pengingat janji temu Anda di ${clinic}.`,
            `Waktu: ${day}, ${time} (waktu klinik)`,
            `Layanan: ${service}`,
            `Hewan: ${pets}`,
            ...(address ? [`Alamat: ${address}`] : []),
            'Jika Anda tidak dapat datang, mohon batalkan agar waktunya dapat dipakai hewan lain.',
          ],
          action: { label: 'Lihat atau batalkan pemesanan', url: f.bookingUrl },
        },
  );
  return {
    purpose: 'appointment_reminder',
    subject: mail.subject,
    shortText,
    longText: mail.text,
    html: mail.html,
    link: f.bookingUrl,
    data,
  };
}

/** What a care reminder names: the record as last told by the user service, and where the pet's page is. */
export interface CareFacts {
  record: CareRecord;
  /** The owner's zone (the due date is shown as a day there). */
  timeZone: string;
  recipientName: string | null;
  petUrl: string;
}

const CARE_WHAT: Record<Language, Record<string, string>> = {
  id: { vaccination: 'Vaksinasi', medication: 'Obat' },
  en: { vaccination: 'Vaccination', medication: 'Medication' },
};

/** The care reminder (a medical record's next due date) in the owner's language. */
export function careReminder(lang: Language, f: CareFacts): NotificationMessage {
  const r = f.record;
  const day = DateTime.fromISO(r.nextDueDate!, { zone: f.timeZone })
    .setLocale(lang === 'en' ? 'en-GB' : 'id')
    .toFormat('cccc, d LLLL yyyy');
  const pet = mailSafeText(r.petName, 40) ?? 'PetPro';
  const title = mailSafeText(r.title, 120) ?? '';
  const kind = CARE_WHAT[lang][r.type] ?? (lang === 'en' ? 'Care' : 'Perawatan');
  const what = `${kind}: ${title}`;
  const data = { recordId: r.recordId, petId: r.petId, type: r.type, nextDueDate: r.nextDueDate, timeZone: f.timeZone };
  const t =
    lang === 'en'
      ? {
          short: `PetPro: ${pet} is due for ${what} on ${day}. ${f.petUrl}`,
          subject: `Reminder: ${what} for ${pet} due ${day}`,
          paragraphs: [`${pet} is due for care soon.`, `Due: ${what}`, `Date: ${day}`],
          action: `See ${pet}'s records`,
        }
      : {
          short: `PetPro: ${pet} dijadwalkan ${what} pada ${day}. ${f.petUrl}`,
          subject: `Pengingat: ${what} untuk ${pet} pada ${day}`,
          paragraphs: [`${pet} akan segera membutuhkan perawatan.`, `Jadwal: ${what}`, `Tanggal: ${day}`],
          action: `Lihat catatan ${pet}`,
        };
  const mail = renderMail(lang, {
    subject: t.subject,
    heading: greeting(lang, f.recipientName),
    paragraphs: t.paragraphs,
    action: { label: t.action, url: f.petUrl },
  });
  return {
    purpose: 'care_reminder',
    subject: mail.subject,
    shortText: t.short,
    longText: mail.text,
    html: mail.html,
    link: f.petUrl,
    data,
  };
}
