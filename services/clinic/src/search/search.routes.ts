import { clientGoneSignal, type ApiRouter } from '@petpro/kit';
import type { SearchService } from './search.service.ts';
import { SearchQuery, SearchResultSchema } from './search.schemas.ts';
import { toSearchItemView } from './search.view.ts';

/** GET /api/v1/clinics: the public search. */
export function searchRoutes(api: ApiRouter, deps: { search: SearchService }) {
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics',
      summary: 'Search published clinics by text, city, category, species and distance (nearest first with near)',
      tags: ['clinics'],
      query: SearchQuery,
      responses: { 200: { description: 'A page of clinics', schema: SearchResultSchema } },
    },
    async (req, reply) => {
      const page = await deps.search.search(req.valid.query, { signal: clientGoneSignal(req.res!) });
      const now = new Date();
      return reply(200, { items: page.items.map((r) => toSearchItemView(r, now)), nextCursor: page.nextCursor });
    },
  );
}
