import { AppError, UnprocessableError, UpstreamHttpError, type ServiceClient } from '@petpro/kit';
import { InternalPets, parseContract } from '@petpro/contracts';
import type { PetSnapshot } from '../db.ts';

/** Asks the user service which pets belong to a user. */
export class PetDirectory {
  constructor(private readonly client: ServiceClient) {}

  /**
   * The user's pets among `petIds`, in the requested order; 422 `pet_not_found` unless every id is
   * one of the user's (non-deleted) pets, so nobody books with someone else's pet.
   */
  async ownedPets(userId: string, petIds: readonly string[]): Promise<PetSnapshot[]> {
    let body: unknown;
    try {
      body = await this.client.json<unknown>('user', {
        path: `/internal/users/${encodeURIComponent(userId)}/pets?ids=${petIds.map(encodeURIComponent).join(',')}`,
      });
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.status === 404) body = { items: [] };
      else if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The user service answered ${err.status}`);
      else throw err;
    }
    const { items } = parseContract(InternalPets, body, 'user');
    const byId = new Map(items.map((p) => [p.id, p]));
    const missing = petIds.filter((id) => !byId.has(id));
    if (missing.length)
      throw new UnprocessableError('pet_not_found', `These pets are not yours or do not exist: ${missing.join(', ')}`);
    return petIds.map((id) => {
      const p = byId.get(id)!;
      return { id: p.id, name: p.name, species: p.species };
    });
  }
}
