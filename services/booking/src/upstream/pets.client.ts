import { AppError, SharedCalls, UnprocessableError, UpstreamHttpError, type ServiceClient } from '@petpro/kit';
import { InternalBooker, parseContract } from '@petpro/contracts';
import type { PetSnapshot } from '../db.ts';
import { ownerPreferences, type OwnerPreferences } from './recipients.client.ts';

/** Asks the user service which pets belong to a user, with the user's preferences, for a new booking. */
export class PetDirectory {
  private readonly bookers = new SharedCalls<{ pets: PetSnapshot[]; preferences: OwnerPreferences }>();

  constructor(private readonly client: ServiceClient) {}

  /**
   * The user's pets among `petIds`, in the requested order, and the user's preferences (where a new
   * booking's reminders start), in one call; 422 `pet_not_found` unless every id is one of the user's
   * (non-deleted) pets, so nobody books with someone else's pet. Requests of the same user for the same
   * pets that come while a read is in flight share it.
   */
  booker(userId: string, petIds: readonly string[]): Promise<{ pets: PetSnapshot[]; preferences: OwnerPreferences }> {
    return this.bookers.run(`${userId}/${petIds.join(',')}`, () => this.readBooker(userId, petIds));
  }

  private async readBooker(userId: string, petIds: readonly string[]) {
    const body = await this.get(`/internal/users/${encodeURIComponent(userId)}/booker?ids=${idList(petIds)}`);
    if (body === undefined) throw petsNotFound(petIds);
    const answer = parseContract(InternalBooker, body, 'user');
    return { pets: inOrder(petIds, answer.items), preferences: ownerPreferences(answer.preferences) };
  }

  private async get(path: string): Promise<unknown> {
    try {
      return await this.client.json<unknown>('user', { path });
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.status === 404) return undefined;
      if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The user service answered ${err.status}`);
      throw err;
    }
  }
}

const idList = (ids: readonly string[]) => ids.map(encodeURIComponent).join(',');

function inOrder(petIds: readonly string[], items: PetSnapshot[]): PetSnapshot[] {
  const byId = new Map(items.map((p) => [p.id, p]));
  const missing = petIds.filter((id) => !byId.has(id));
  if (missing.length) throw petsNotFound(missing);
  return petIds.map((id) => {
    const p = byId.get(id)!;
    return { id: p.id, name: p.name, species: p.species };
  });
}

const petsNotFound = (ids: readonly string[]) =>
  new UnprocessableError('pet_not_found', `These pets are not yours or do not exist: ${ids.join(', ')}`);
