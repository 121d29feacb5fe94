/**
 * The user service's internal views that other services read: a user's preferences (which channels,
 * which language), which pets are the user's (booking checks the pets of a booking), and a user's
 * contact details.
 */
import { z } from '@petpro/kit';

/**
 * Kinds of notification a user can turn on or off per channel. Security mails (verification, password) are always sent.
 */
export const NOTIFICATION_EVENTS = ['bookingUpdates', 'bookingReminders', 'healthReminders', 'promotions'] as const;
export const CHANNELS = ['email', 'sms', 'push', 'inApp'] as const;
export const LANGUAGES = ['id', 'en'] as const;
export const THEMES = ['system', 'light', 'dark'] as const;
export const TIME_FORMATS = ['24h', '12h'] as const;
export const UNITS = ['metric', 'imperial'] as const;

const bool = z.boolean({ error: 'must be true or false' });
const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const channelSettings = z.object(
  Object.fromEntries(NOTIFICATION_EVENTS.map((e) => [e, bool])) as Record<
    (typeof NOTIFICATION_EVENTS)[number],
    typeof bool
  >,
);

/** A user's whole preferences document (the user service's public answer has the same shape). */
export const PreferencesDocument = z.object({
  notifications: z.object({
    ...(Object.fromEntries(CHANNELS.map((c) => [c, channelSettings])) as Record<
      (typeof CHANNELS)[number],
      typeof channelSettings
    >),
    reminderOffsetsMinutes: z
      .array(z.number().int())
      .openapi({ description: 'Minutes before an appointment a reminder goes out, latest first' }),
    careReminderOffsetsDays: z
      .array(z.number().int())
      .openapi({ description: 'Days before a medical record’s nextDueDate a care reminder goes out, latest first' }),
  }),
  language: enumOf(LANGUAGES),
  timeZone: z.string(),
  display: z.object({ theme: enumOf(THEMES), timeFormat: enumOf(TIME_FORMATS), units: enumOf(UNITS) }),
});

/** GET /internal/users/{userId}/preferences: the document with its user (defaults for one who never saved any). */
export const InternalPreferences = PreferencesDocument.extend({ userId: z.uuid() });
export type InternalPreferencesAnswer = z.input<typeof InternalPreferences>;
export type InternalPreferencesView = z.output<typeof InternalPreferences>;

/** GET /internal/users/{userId}/pets?ids=…: a user's (non-deleted) pets among the ids (also part of InternalBooker). */
export const InternalPets = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), species: z.string() })),
});
export type InternalPetsAnswer = z.input<typeof InternalPets>;

/**
 * GET /internal/users/{userId}/booker?petIds=…: what a new booking needs of its owner in one answer,
 * the owner's pets among the ids (as InternalPets) and the preferences its reminders start from.
 */
export const InternalBooker = InternalPets.extend({ preferences: InternalPreferences });
export type InternalBookerAnswer = z.input<typeof InternalBooker>;

/** GET /internal/users/{userId}/profile: the contact fields of a user's profile. */
export const InternalProfile = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  phone: z.string().nullable(),
  city: z.string().nullable(),
});
export type InternalProfileAnswer = z.input<typeof InternalProfile>;
