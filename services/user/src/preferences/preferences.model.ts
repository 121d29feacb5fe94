import { isValidTimeZone } from '@petpro/kit';
import { CHANNELS, type LANGUAGES, NOTIFICATION_EVENTS, THEMES, TIME_FORMATS, UNITS } from '@petpro/contracts';

/**
 * The preferences document: its defaults and how a change is merged into it. Kept free of I/O so
 * that the rules are unit-tested; the zod schemas mirror these lists.
 */

/** The default time zone of a user, whose calendar gives "today": most users are in western Indonesia. */
export const HOME_ZONE = 'Asia/Jakarta';

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type Channel = (typeof CHANNELS)[number];
export type ChannelSettings = Record<NotificationEvent, boolean>;

/** The full preferences of a user. */
export interface Preferences {
  notifications: Record<Channel, ChannelSettings> & {
    reminderOffsetsMinutes: number[];
    careReminderOffsetsDays: number[];
  };
  language: (typeof LANGUAGES)[number];
  /** IANA zone whose calendar gives the user's "today" (pet ages, due dates). */
  timeZone: string;
  display: { theme: (typeof THEMES)[number]; timeFormat: (typeof TIME_FORMATS)[number]; units: (typeof UNITS)[number] };
}

/** A change: any part of the document, at any depth. */
export interface PreferencesPatch {
  notifications?: Partial<Record<Channel, Partial<ChannelSettings>>> & {
    reminderOffsetsMinutes?: number[];
    careReminderOffsetsDays?: number[];
  };
  language?: Preferences['language'];
  timeZone?: string;
  display?: Partial<Preferences['display']>;
}

const channel = (on: boolean, promotions: boolean): ChannelSettings => ({
  bookingUpdates: on,
  bookingReminders: on,
  healthReminders: on,
  promotions,
});

/** What a user who never chose anything gets. SMS costs the user money, so it starts off. */
export const DEFAULT_PREFERENCES: Preferences = {
  notifications: {
    email: channel(true, false),
    sms: channel(false, false),
    push: channel(true, false),
    inApp: channel(true, true),
    reminderOffsetsMinutes: [1440, 120],
    // Vaccinations and medication due: two weeks ahead to book a visit, and the day before.
    careReminderOffsetsDays: [14, 1],
  },
  language: 'id',
  timeZone: HOME_ZONE,
  display: { theme: 'system', timeFormat: '24h', units: 'metric' },
};

const pick = <T>(value: unknown, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reminder offsets without duplicates, latest reminder (largest offset) first. */
export function normaliseOffsets(offsets: number[]): number[] {
  return [...new Set(offsets)].sort((a, b) => b - a);
}

/**
 * `patch` applied over `base` (stored JSON, possibly written by an older version): unknown or
 * malformed stored values fall back to the defaults, so a new event or setting needs no migration.
 */
export function mergePreferences(base: unknown, patch: PreferencesPatch = {}): Preferences {
  const stored = isRecord(base) ? base : {};
  const storedNotifications = isRecord(stored.notifications) ? stored.notifications : {};
  const storedDisplay = isRecord(stored.display) ? stored.display : {};
  const notifications = {} as Preferences['notifications'];
  for (const ch of CHANNELS) {
    const s = isRecord(storedNotifications[ch]) ? storedNotifications[ch] : {};
    const p = patch.notifications?.[ch] ?? {};
    const settings = {} as ChannelSettings;
    for (const ev of NOTIFICATION_EVENTS) {
      settings[ev] = p[ev] ?? (typeof s[ev] === 'boolean' ? s[ev] : DEFAULT_PREFERENCES.notifications[ch][ev]);
    }
    notifications[ch] = settings;
  }
  const storedOffsets = storedNotifications.reminderOffsetsMinutes;
  notifications.reminderOffsetsMinutes = normaliseOffsets(
    patch.notifications?.reminderOffsetsMinutes ??
      (Array.isArray(storedOffsets) && storedOffsets.every((n) => Number.isInteger(n))
        ? (storedOffsets as number[])
        : DEFAULT_PREFERENCES.notifications.reminderOffsetsMinutes),
  );
  const storedCare = storedNotifications.careReminderOffsetsDays;
  notifications.careReminderOffsetsDays = normaliseOffsets(
    patch.notifications?.careReminderOffsetsDays ??
      (Array.isArray(storedCare) && storedCare.every((n) => Number.isInteger(n))
        ? (storedCare as number[])
        : DEFAULT_PREFERENCES.notifications.careReminderOffsetsDays),
  );
  return {
    notifications,
    language: patch.language ?? pick(stored.language, ['id', 'en'] as const, DEFAULT_PREFERENCES.language),
    timeZone:
      patch.timeZone ??
      (typeof stored.timeZone === 'string' && isValidTimeZone(stored.timeZone)
        ? stored.timeZone
        : DEFAULT_PREFERENCES.timeZone),
    display: {
      theme: patch.display?.theme ?? pick(storedDisplay.theme, THEMES, DEFAULT_PREFERENCES.display.theme),
      timeFormat:
        patch.display?.timeFormat ??
        pick(storedDisplay.timeFormat, TIME_FORMATS, DEFAULT_PREFERENCES.display.timeFormat),
      units: patch.display?.units ?? pick(storedDisplay.units, UNITS, DEFAULT_PREFERENCES.display.units),
    },
  };
}

/** What care reminders are scheduled from: their offsets, the owner's zone and the channels they go to. */
export function careSettings(p: Preferences): string {
  const channels = CHANNELS.filter((ch) => p.notifications[ch].healthReminders);
  return JSON.stringify([p.notifications.careReminderOffsetsDays, p.timeZone, channels]);
}
