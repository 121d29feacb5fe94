import { todayIn } from '@petpro/kit';
import type { UserStore } from '../store.ts';
import { mergePreferences, type Preferences, type PreferencesPatch } from './preferences.model.ts';

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

  async update(userId: string, patch: PreferencesPatch): Promise<Preferences> {
    return this.store.transaction(async (repos) => {
      const next = mergePreferences(await repos.preferences.findForUpdate(userId), patch);
      await repos.preferences.save(userId, next);
      return next;
    });
  }
}
