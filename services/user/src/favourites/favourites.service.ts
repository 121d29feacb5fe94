import { ConflictError, ValidationError } from '@petpro/kit';
import type { FavouritesRepository, FavouriteRecord } from './favourites.repository.ts';
import { decodeCursor, isCursorId, isCursorInstant, toPage } from '../shared/pagination.ts';

export const MAX_FAVOURITES = 500;

/** A favourite as clients see it. */
export interface FavouriteView {
  clinicId: string;
  createdAt: string;
}

const view = (f: FavouriteRecord): FavouriteView => ({ clinicId: f.clinicId, createdAt: f.createdAt.toISOString() });

/**
 * Favourite vendors, referred to by clinic ID only: the clinic service owns clinics, and a favourite
 * whose clinic is gone is harmless (clients skip it when the clinic lookup answers 404).
 */
export class FavouritesService {
  constructor(private readonly repo: FavouritesRepository) {}

  /** Adds a favourite (idempotent). */
  async add(userId: string, clinicId: string): Promise<{ favourite: FavouriteView; created: boolean }> {
    const existing = await this.repo.find(userId, clinicId);
    if (existing) return { favourite: view(existing), created: false };
    if ((await this.repo.count(userId)) >= MAX_FAVOURITES) throw new ConflictError('favourites_limit_reached', `At most ${MAX_FAVOURITES} favourites`);
    const { favourite, created } = await this.repo.add(userId, clinicId);
    return { favourite: view(favourite), created };
  }

  /** Removes a favourite (idempotent). */
  async remove(userId: string, clinicId: string): Promise<void> {
    await this.repo.remove(userId, clinicId);
  }

  async list(userId: string, q: { limit: number; cursor?: string }): Promise<{ items: FavouriteView[]; nextCursor: string | null }> {
    let after: { createdAt: Date; clinicId: string } | undefined;
    if (q.cursor !== undefined) {
      const decoded = decodeCursor(q.cursor, ['string', 'string']);
      const at = decoded && isCursorInstant(decoded[0]) ? new Date(decoded[0]) : undefined;
      if (!decoded || !at || !isCursorId(decoded[1])) {
        throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor from a previous page', code: 'invalid_cursor' }]);
      }
      after = { createdAt: at, clinicId: String(decoded[1]) };
    }
    const rows = await this.repo.list(userId, { limit: q.limit + 1, after });
    const page = toPage(rows, q.limit, (f) => [f.createdAt.toISOString(), f.clinicId]);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }
}
