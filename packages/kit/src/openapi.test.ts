import { describe, expect, it } from 'vitest';
import express from 'express';
import { ApiRouter, OpenAPIRegistry, nulPaths, z } from './openapi.ts';
import { errorHandler } from './errors.ts';

describe('ApiRouter and the NUL character', () => {
  it('finds NUL characters at any depth', () => {
    expect(nulPaths({ a: 'ok', b: ['x', 'y\u0000'], c: { d: '\u0000' } })).toEqual([
      ['b', '1'],
      ['c', 'd'],
    ]);
    expect(nulPaths('plain')).toEqual([]);
  });

  // A U+0000 in any text field reached PostgreSQL (which refuses it in text, 22021) and came back as a 500.
  it('answers 400 naming the field, never reaching the handler, for a NUL in the body, the query or a path parameter', async () => {
    const api = new ApiRouter(new OpenAPIRegistry());
    let reached = 0;
    api.route(
      {
        method: 'post',
        path: '/things/{id}',
        summary: 't',
        body: z.object({ name: z.string(), tags: z.array(z.string()).optional() }),
        query: z.object({ q: z.string().optional() }),
        params: z.object({ id: z.string() }),
        responses: { 200: { description: 'ok' } },
      },
      (_req, res) => {
        reached++;
        res.json({ ok: true });
      },
    );
    const app = express();
    app.use(express.json());
    app.use(api.router);
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const post = (path: string, body: unknown) =>
        fetch(base + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const bodyNul = await post('/things/a', { name: 'a\u0000b', tags: ['x', '\u0000'] });
      expect(bodyNul.status).toBe(400);
      expect((await bodyNul.json()).errors.map((e: { field: string }) => e.field)).toEqual(['name', 'tags.1']);
      const queryNul = await post('/things/a?q=%00', { name: 'ok' });
      expect(queryNul.status).toBe(400);
      expect((await queryNul.json()).errors[0]).toMatchObject({ field: 'query.q', code: 'invalid_character' });
      const paramNul = await post('/things/a%00', { name: 'ok' });
      expect(paramNul.status).toBe(400);
      expect((await paramNul.json()).errors[0]).toMatchObject({ field: 'params.id', code: 'invalid_character' });
      expect(reached).toBe(0);
      expect((await post('/things/a?q=b', { name: 'fine ✓ ünïcødé' })).status).toBe(200);
      expect(reached).toBe(1);
    } finally {
      server.close();
    }
  });
});
