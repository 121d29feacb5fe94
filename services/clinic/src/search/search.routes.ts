import { clientGoneSignal, type ApiRouter } from '@petpro/kit';
import type { SearchService } from './search.service.ts';
import { SearchQuery, SearchResultSchema } from './search.schemas.ts';

/** GET /api/v1/clinics: the public search ((under /api/v1)). */
export function searchRoutes(api: ApiRouter, deps: { service: SearchService }) {
  api.route(
    {
      method: 'get',
      path: '/clinics',
      summary: 'Search published clinics by text, city, category, species and distance (nearest first with near)',
      tags: ['clinics'],
      query: SearchQuery,
      responses: { 200: { description: 'A page of clinics', schema: SearchResultSchema } },
    },
    async (req, res) => {
      res.json(await deps.service.search(req.valid.query, { signal: clientGoneSignal(res) }));
    },
  );
  return api;
}
