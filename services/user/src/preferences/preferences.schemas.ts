import { timeZoneString, z } from '@petpro/kit';
import {
  CHANNELS,
  InternalPreferences,
  LANGUAGES,
  NOTIFICATION_EVENTS,
  PreferencesDocument,
  THEMES,
  TIME_FORMATS,
  UNITS,
} from '@petpro/contracts';

const bool = z.boolean({ error: 'must be true or false' });
const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });
// At most two weeks ahead and at least five minutes: reminders are sent by a periodic job.
const offset = z
  .number({ error: 'must be a number of minutes' })
  .int('must be a whole number of minutes')
  .min(5, 'must be at least 5 minutes')
  .max(20_160, 'must be at most 20160 minutes (14 days)');

// Days before a record's next due date (vaccination, medication): from the day before to 90 days ahead.
const careOffset = z
  .number({ error: 'must be a number of days' })
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(90, 'must be at most 90 days');

const timeZone = timeZoneString().openapi({
  example: 'Asia/Makassar',
  description: 'Gives "today" for pet ages and due dates',
});

const channelPatch = z.strictObject(
  Object.fromEntries(NOTIFICATION_EVENTS.map((e) => [e, bool.optional()])) as Record<
    (typeof NOTIFICATION_EVENTS)[number],
    z.ZodOptional<typeof bool>
  >,
);

/** The preferences document (its shape is the internal contract's, @petpro/contracts). */
export const PreferencesSchema = PreferencesDocument.openapi('Preferences');

export const PreferencesBody = z
  .strictObject({
    notifications: z
      .strictObject({
        ...(Object.fromEntries(CHANNELS.map((c) => [c, channelPatch.optional()])) as Record<
          (typeof CHANNELS)[number],
          z.ZodOptional<typeof channelPatch>
        >),
        reminderOffsetsMinutes: z.array(offset).max(5, 'must have at most 5 reminders').optional(),
        careReminderOffsetsDays: z.array(careOffset).max(5, 'must have at most 5 reminders').optional(),
      })
      .optional(),
    language: enumOf(LANGUAGES).optional(),
    timeZone: timeZone.optional(),
    display: z
      .strictObject({
        theme: enumOf(THEMES).optional(),
        timeFormat: enumOf(TIME_FORMATS).optional(),
        units: enumOf(UNITS).optional(),
      })
      .optional(),
  })
  .openapi('PreferencesUpdate', {
    description: 'The whole document or any part of it: what is left out keeps its current value.',
  });

export const InternalPreferencesSchema = InternalPreferences.openapi('InternalPreferences');
