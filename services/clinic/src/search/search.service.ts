import { decodeCursor, encodeCursor } from '@petpro/kit';
import { toPhotoDto, type PhotoDto } from '../clinics/clinics.service.ts';
import { isOpenAt } from '../hours/opening-hours.ts';
import type { SearchCriteria } from './search.repository.ts';
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

export interface SearchItemDto {
  id: string;
  name: string;
  description: string;
  address: string | null;
  city: string | null;
  province: string | null;
  location: { lat: number; lng: number } | null;
  timeZone: string;
  openNow: boolean;
  categories: string[];
  species: string[];
  photo: PhotoDto | null;
  distanceKm?: number;
}

/** Public clinic search: filters, the sort they imply, and opaque keyset cursors. */
export class SearchService {
  constructor(private readonly deps: { store: ClinicStore }) {}

  /** One page of results; `signal` stops the work between queries when the client has gone. */
  async search(
    input: SearchInput,
    opts: { now?: Date; signal?: AbortSignal } = {},
  ): Promise<{ items: SearchItemDto[]; nextCursor: string | null }> {
    const now = opts.now ?? new Date();
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
    const page = hits.slice(0, input.limit);
    const photos = await this.deps.store.repos.clinics.photosOf(page.map((h) => h.clinic.id));
    const items = page.map(({ clinic: c, distanceKm }) => {
      const first = photos.find((p) => p.clinicId === c.id);
      return {
        id: c.id,
        name: c.name,
        description: c.description,
        address: c.address,
        city: c.city,
        province: c.province,
        location: c.location,
        timeZone: c.timeZone,
        openNow: isOpenAt(c.openingHours, c.timeZone, now),
        categories: c.categories,
        species: c.species,
        photo: first ? toPhotoDto(first) : null,
        ...(distanceKm !== undefined ? { distanceKm: Math.round(distanceKm * 1000) / 1000 } : {}),
      };
    });
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (hits.length > input.limit && last) {
      // The cursor carries the exact sort key from SQL (not the rounded distance shown), so pages never skip or repeat.
      nextCursor =
        mode === 'distance'
          ? encodeCursor({ d: last.distanceKm!, id: last.clinic.id })
          : mode === 'tier'
            ? encodeCursor({ t: last.tier!, id: last.clinic.id })
            : encodeCursor({ n: last.clinic.name, id: last.clinic.id });
    }
    return { items, nextCursor };
  }
}
