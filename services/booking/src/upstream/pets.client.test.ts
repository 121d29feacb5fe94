import { describe, expect, it } from 'vitest';
import { createLogger, UpstreamHttpError, type ServiceClient } from '@petpro/kit';
import { FALLBACK_PREFERENCES } from '../reminders/reminders.model.ts';
import { PetDirectory } from './pets.client.ts';
import { internalPreferences } from '../../test/preferences.fixture.ts';

const USER = '0190f0a0-0000-7000-8000-000000000001';
const PET = '0190f0a0-0000-7000-8000-0000000000a1';
const OTHER_PET = '0190f0a0-0000-7000-8000-0000000000a2';
const preferences = internalPreferences(USER, ['sms'], 'en');

/** The user service's /booker answer, counting calls; `answer` may be replaced or throw. */
function upstream(answer: () => unknown) {
  const state = { calls: 0 };
  const client = {
    async json() {
      state.calls++;
      await new Promise((r) => setTimeout(r, 10));
      return answer();
    },
  } as unknown as ServiceClient;
  return { state, pets: new PetDirectory(client, createLogger('test', 'silent')) };
}
const items = [{ id: PET, name: 'Milo', species: 'dog' }];

describe('PetDirectory.booker', () => {
  it('gives the pets and the reminder preferences; concurrent asks share one read', async () => {
    const { state, pets } = upstream(() => ({ items, preferences }));
    const [a, b] = await Promise.all([pets.booker(USER, [PET]), pets.booker(USER, [PET])]);
    expect(a).toBe(b);
    expect(state.calls).toBe(1);
    expect(a.pets).toEqual([{ id: PET, name: 'Milo', species: 'dog' }]);
    expect(a.preferences).toMatchObject({ offsetsMinutes: [60], channels: ['sms'] });
  });

  it('refuses a pet that is not among the user’s with 422 pet_not_found', async () => {
    const { pets } = upstream(() => ({ items, preferences }));
    await expect(pets.booker(USER, [PET, OTHER_PET])).rejects.toMatchObject({ status: 422, code: 'pet_not_found' });
  });

  it('books with the platform defaults when the preferences cannot be read (a value not known here)', async () => {
    const { pets } = upstream(() => ({ items, preferences: { ...preferences, language: 'fr' } }));
    expect((await pets.booker(USER, [PET])).preferences).toEqual(FALLBACK_PREFERENCES);
  });

  it('answers 502 when the user service lacks the endpoint (404) or fails, never pet_not_found', async () => {
    const { pets } = upstream(() => {
      throw new UpstreamHttpError('user', 404, { code: 'route_not_found' });
    });
    await expect(pets.booker(USER, [PET])).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
  });
});
