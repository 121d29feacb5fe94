import type { PreferencesRepository } from './preferences.repository.ts';
import { mergePreferences, type Preferences, type PreferencesPatch } from './preferences.model.ts';

/** A user's preferences: defaults until changed, changed part by part. */
export class PreferencesService {
  constructor(private readonly repo: PreferencesRepository) {}

  async get(userId: string): Promise<Preferences> {
    return mergePreferences(await this.repo.find(userId));
  }

  async update(userId: string, patch: PreferencesPatch): Promise<Preferences> {
    return this.repo.change(userId, (current) => mergePreferences(current, patch));
  }
}
