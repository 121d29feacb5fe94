import { decodeCursor, toPage } from '@petpro/kit';
import type { PhotoRecord } from '../clinics/clinics.repository.ts';
import type { SearchCriteria, SearchHit } from './search.repository.ts';
import { searchWords } from './search-query.ts';
import { MAX_RADIUS_KM } from './search.schemas.ts';
import type { ClinicStore } from '../store.ts';

/** A distance cursor is a distance within the widest radius; a tier cursor one of the two text relevance tiers. */
const DISTANCE_CURSOR = { d: { type: 'number', min: 0, max: MAX_RADIUS_KM }, id: 'uuid' } as const;
const TIER_CURSOR = { t: { type: 'number', min: 0, max: 1, integer: true }, id: 'uuid' } as const;

export interface SearchInput {
  q?: string;
  city?: string;
  category?: string;
  species?: string;
  near?: { lat: number; lng: number };
  radiusKm: number;
  limit: number;
  cursor?: string;
}

/** One result: the clinic as search found it, and its first photo. */
export interface SearchResult {
  hit: SearchHit;
  photo: PhotoRecord | undefined;
}

/** Public clinic search: filters, the sort they imply, and opaque keyset cursors. */
export class SearchService {
  constructor(private readonly deps: { store: ClinicStore }) {}

  /** One page of results; `signal` stops the work between queries when the client has gone. */
  async search(
    input: SearchInput,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ items: SearchResult[]; nextCursor: string | null }> {
    const words = input.q ? searchWords(input.q) : [];
    // A q of only punctuation matches nothing rather than everything.
    if (input.q && !words.length) return { items: [], nextCursor: null };
    const mode = input.near ? 'distance' : words.length ? 'tier' : 'name';
    let after: SearchCriteria['after'];
    if (input.cursor) {
      if (mode === 'distance') {
        const k = decodeCursor(input.cursor, DISTANCE_CURSOR);
        after = { distance: k.d, id: k.id };
      } else if (mode === 'tier') {
        const k = decodeCursor(input.cursor, TIER_CURSOR);
        after = { tier: k.t, id: k.id };
      } else {
        const k = decodeCursor(input.cursor, { n: 'string', id: 'uuid' });
        after = { name: k.n, id: k.id };
      }
    }
    const hits = await this.deps.store.repos.search.search({
      words,
      city: input.city,
      category: input.category,
      species: input.species,
      near: input.near && { ...input.near, radiusKm: input.radiusKm },
      limit: input.limit + 1,
      after,
      signal: opts.signal,
    });
    // The cursor carries the exact sort key from SQL (not the rounded distance shown), so pages never skip or repeat.
    const page = toPage(
      hits,
      input.limit,
      (last): Record<string, string | number> =>
        mode === 'distance'
          ? { d: last.distanceKm!, id: last.clinic.id }
          : mode === 'tier'
            ? { t: last.tier!, id: last.clinic.id }
            : { n: last.clinic.name, id: last.clinic.id },
    );
    const photos = await this.deps.store.repos.clinics.photosOf(page.items.map((h) => h.clinic.id));
    const items = page.items.map((hit) => ({ hit, photo: photos.find((p) => p.clinicId === hit.clinic.id) }));
    return { items, nextCursor: page.nextCursor };
  }
}
