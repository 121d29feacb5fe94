/** A user service preferences answer (InternalPreferences) for unit tests of the clients that read it. */
const settings = (on: boolean) => ({
  bookingUpdates: on,
  bookingReminders: on,
  healthReminders: on,
  promotions: false,
});

/** Booking and care reminders on for the channels named in `on`; offsets 60 minutes, 14 and 1 days. */
export function internalPreferences(userId: string, on: Array<'email' | 'sms' | 'push' | 'inApp'>, language = 'id') {
  return {
    userId,
    display: { theme: 'system', timeFormat: '24h', units: 'metric' },
    language,
    timeZone: 'Asia/Jakarta',
    notifications: {
      reminderOffsetsMinutes: [60],
      careReminderOffsetsDays: [14, 1],
      email: settings(on.includes('email')),
      sms: settings(on.includes('sms')),
      push: settings(on.includes('push')),
      inApp: settings(on.includes('inApp')),
    },
  };
}
