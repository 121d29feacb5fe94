import { todayIn } from '@petpro/kit';
import type { UserStore } from '../store.ts';
import { careSettings, mergePreferences, type Preferences, type PreferencesPatch } from './preferences.model.ts';

/** A user's preferences: defaults until changed, changed part by part. */
export class PreferencesService {
  constructor(private readonly store: UserStore) {}

  async findByUserId(userId: string): Promise<Preferences> {
    return mergePreferences(await this.store.repos.preferences.find(userId));
  }

  /** Today's date (YYYY-MM-DD) in the user's time zone (Asia/Jakarta until they choose another). */
  async today(userId: string, now = new Date()): Promise<string> {
    return todayIn((await this.findByUserId(userId)).timeZone, now);
  }

  /**
   * Changes part of the preferences. A change of what care reminders are scheduled from (offsets, zone,
   * channels) goes on the event feed in the same transaction, so the waiting reminders follow it.
   */
  async update(userId: string, patch: PreferencesPatch): Promise<Preferences> {
    return this.store.transaction(async (repos) => {
      const stored = await repos.preferences.findForUpdate(userId);
      const next = mergePreferences(stored, patch);
      await repos.preferences.save(userId, next);
      if (careSettings(next) !== careSettings(mergePreferences(stored))) await repos.events.careSettingsChanged(userId);
      return next;
    });
  }
}
