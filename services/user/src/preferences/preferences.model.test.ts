import { describe, expect, it } from 'vitest';
import { careSettings, DEFAULT_PREFERENCES, mergePreferences } from './preferences.model.ts';

describe('mergePreferences', () => {
  it('gives the defaults to a user who never chose anything', () => {
    const p = mergePreferences(undefined);
    expect(p).toEqual(DEFAULT_PREFERENCES);
    expect(p.language).toBe('id');
    expect(p.notifications.reminderOffsetsMinutes).toEqual([1440, 120]);
    expect(p.notifications.careReminderOffsetsDays).toEqual([14, 1]);
    expect(p.display.timeFormat).toBe('24h');
  });

  it('changes only what the patch names, at any depth', () => {
    const p = mergePreferences(DEFAULT_PREFERENCES, {
      notifications: { sms: { bookingReminders: true } },
      display: { theme: 'dark' },
    });
    expect(p.notifications.sms.bookingReminders).toBe(true);
    expect(p.notifications.sms.bookingUpdates).toBe(false);
    expect(p.notifications.email).toEqual(DEFAULT_PREFERENCES.notifications.email);
    expect(p.display).toEqual({ ...DEFAULT_PREFERENCES.display, theme: 'dark' });
  });

  it('keeps earlier choices across later patches', () => {
    const first = mergePreferences(undefined, { language: 'en' });
    const second = mergePreferences(first, { display: { units: 'imperial' } });
    expect(second.language).toBe('en');
    expect(second.display.units).toBe('imperial');
  });

  it('orders reminder offsets latest-first without duplicates; an empty list means no reminders', () => {
    expect(
      mergePreferences(undefined, { notifications: { reminderOffsetsMinutes: [60, 1440, 60, 10080] } }).notifications
        .reminderOffsetsMinutes,
    ).toEqual([10080, 1440, 60]);
    expect(
      mergePreferences(undefined, { notifications: { reminderOffsetsMinutes: [] } }).notifications
        .reminderOffsetsMinutes,
    ).toEqual([]);
  });

  it('falls back to defaults for stored values it does not understand (older or damaged documents)', () => {
    const p = mergePreferences({
      language: 'fr',
      notifications: { email: { promotions: 'yes', bookingUpdates: false }, reminderOffsetsMinutes: 'soon' },
      display: 7,
    });
    expect(p.language).toBe('id');
    expect(p.notifications.email.promotions).toBe(false);
    expect(p.notifications.email.bookingUpdates).toBe(false);
    expect(p.notifications.reminderOffsetsMinutes).toEqual([1440, 120]);
    expect(p.display).toEqual(DEFAULT_PREFERENCES.display);
  });

  it('keeps a valid time zone and falls back to Asia/Jakarta for one the zone database does not know', () => {
    expect(mergePreferences(undefined).timeZone).toBe('Asia/Jakarta');
    expect(mergePreferences(undefined, { timeZone: 'Asia/Jayapura' }).timeZone).toBe('Asia/Jayapura');
    expect(mergePreferences({ timeZone: 'Mars/Olympus_Mons' }).timeZone).toBe('Asia/Jakarta');
  });
});

describe('careSettings', () => {
  it('changes with care offsets, zone or a health-reminder switch, not with anything else', () => {
    const base = mergePreferences({});
    const of = (patch: Parameters<typeof mergePreferences>[1]) => careSettings(mergePreferences({}, patch));
    expect(of({ display: { theme: 'dark' } })).toBe(careSettings(base));
    expect(of({ notifications: { reminderOffsetsMinutes: [60] } })).toBe(careSettings(base));
    expect(of({ notifications: { careReminderOffsetsDays: [7] } })).not.toBe(careSettings(base));
    expect(of({ timeZone: 'Asia/Makassar' })).not.toBe(careSettings(base));
    expect(of({ notifications: { sms: { healthReminders: true } } })).not.toBe(careSettings(base));
  });
});
