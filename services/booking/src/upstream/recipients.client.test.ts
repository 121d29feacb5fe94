import { describe, expect, it } from 'vitest';
import type { ServiceClient } from '@petpro/kit';
import { RecipientDirectory } from './recipients.client.ts';
import { internalPreferences } from '../../test/preferences.fixture.ts';

const USER = '0190f0a0-0000-7000-8000-000000000001';
const prefs = internalPreferences(USER, ['email']);

/** The three internal answers a recipient is read from, counting the calls and failing on demand. */
function upstream() {
  const state = { calls: 0, fail: false, email: 'a@example.test' };
  const client = {
    async json(service: string, req: { path: string }) {
      state.calls++;
      if (state.fail) throw new Error('down');
      if (service === 'auth') return { id: USER, email: state.email, emailVerified: true, name: 'A', language: 'id' };
      if (req.path.endsWith('/profile'))
        return { userId: USER, email: null, displayName: 'A', phone: null, city: null };
      return prefs;
    },
  } as unknown as ServiceClient;
  return { state, client };
}

describe('RecipientDirectory.recentRecipient', () => {
  it('reads a user once for a burst, again after the TTL, and never keeps a failure', async () => {
    const { state, client } = upstream();
    let now = 1_000_000;
    const dir = new RecipientDirectory(client, () => now);
    const first = await dir.recentRecipient(USER);
    expect(first.email).toBe('a@example.test');
    const calls = state.calls;
    await Promise.all(Array.from({ length: 20 }, () => dir.recentRecipient(USER)));
    expect(state.calls).toBe(calls);

    state.email = 'b@example.test';
    now += 16_000;
    expect((await dir.recentRecipient(USER)).email).toBe('b@example.test');

    state.fail = true;
    now += 16_000;
    await expect(dir.recentRecipient(USER)).rejects.toThrow();
    state.fail = false;
    expect((await dir.recentRecipient(USER)).email).toBe('b@example.test');
  });
});
