import {
  AppError,
  SharedCalls,
  UnprocessableError,
  UpstreamHttpError,
  type Logger,
  type ServiceClient,
} from '@petpro/kit';
import { InternalPets, InternalPreferences, parseContract } from '@petpro/contracts';
import type { PetSnapshot } from '../db.ts';
import { FALLBACK_PREFERENCES, type ReminderPreferences } from '../reminders/reminders.model.ts';
import { ownerPreferences } from './recipients.client.ts';

type Booker = { pets: PetSnapshot[]; preferences: ReminderPreferences };

/** Asks the user service which pets belong to a user, with the user's preferences, for a new booking. */
export class PetDirectory {
  private readonly bookers = new SharedCalls<Booker>();

  constructor(
    private readonly client: ServiceClient,
    private readonly log: Logger,
  ) {}

  /**
   * The user's pets among `petIds`, in the requested order, and the user's preferences (where a new
   * booking's reminders start), in one call; 422 `pet_not_found` unless every id is one of the user's
   * (non-deleted) pets, so nobody books with someone else's pet. Preferences that cannot be read (a
   * newer user service's values this release does not know) give the platform's defaults: the booking
   * goes through. Requests of the same user for the same pets that come while a read is in flight
   * share it.
   */
  booker(userId: string, petIds: readonly string[]): Promise<Booker> {
    return this.bookers.run(`${userId}/${petIds.join(',')}`, () => this.readBooker(userId, petIds));
  }

  private async readBooker(userId: string, petIds: readonly string[]) {
    const body = await this.get(`/internal/users/${encodeURIComponent(userId)}/booker?ids=${idList(petIds)}`);
    const pets = inOrder(petIds, parseContract(InternalPets, body, 'user').items);
    const prefs = InternalPreferences.safeParse((body as { preferences?: unknown }).preferences);
    if (!prefs.success) {
      this.log.warn({ userId, issues: prefs.error.issues.slice(0, 3) }, 'reminder preferences unreadable; defaults');
      return { pets, preferences: FALLBACK_PREFERENCES };
    }
    return { pets, preferences: ownerPreferences(prefs.data) };
  }

  private async get(path: string): Promise<unknown> {
    try {
      return await this.client.json<unknown>('user', { path });
    } catch (err) {
      // The endpoint never answers 404 itself: a 404 is a user service without it (an older release
      // in a rolling deploy), a failure of the platform, never the caller's pets.
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
