import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import express from 'express';
import { ApiRouter, createOpenApiRegistry, generateOpenApi, nulPaths, ProblemSchema, z } from './api-router.ts';
import { errorHandler, NotFoundError } from './errors.ts';

/** Serves one router the way a service does (JSON bodies, the error handler) on a free port. */
async function serve(api: ApiRouter) {
  const app = express();
  app.use(express.json());
  app.use(api.finish());
  app.use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    fetch: (path: string, init?: RequestInit) => fetch(base + path, init),
    close: () => new Promise((r) => server.close(r)),
  };
}

const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('ApiRouter and the NUL character', () => {
  it('finds NUL characters at any depth', () => {
    expect(nulPaths({ a: 'ok', b: ['x', 'y\u0000'], c: { d: '\u0000' } })).toEqual([
      ['b', '1'],
      ['c', 'd'],
    ]);
    expect(nulPaths('plain')).toEqual([]);
  });

  // A U+0000 in any text field reached PostgreSQL (which refuses it in text, 22021) and came back as a 500.
  it(
    'answers 400 naming the field, never reaching the handler, ' +
      'for a NUL in the body, the query or a path parameter',
    async () => {
      const api = new ApiRouter(createOpenApiRegistry());
      let reached = 0;
      api.endpoint(
        {
          method: 'post',
          path: '/things/{id}',
          summary: 't',
          body: z.object({ name: z.string(), tags: z.array(z.string()).optional() }),
          query: z.object({ q: z.string().optional() }),
          params: z.object({ id: z.string() }),
          responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
        },
        (_req, reply) => {
          reached++;
          return reply(200, { ok: true });
        },
      );
      const http = await serve(api);
      try {
        const bodyNul = await http.fetch('/things/a', json('POST', { name: 'a\u0000b', tags: ['x', '\u0000'] }));
        expect(bodyNul.status).toBe(400);
        expect((await bodyNul.json()).errors.map((e: { field: string }) => e.field)).toEqual(['name', 'tags.1']);
        const queryNul = await http.fetch('/things/a?q=%00', json('POST', { name: 'ok' }));
        expect(queryNul.status).toBe(400);
        expect((await queryNul.json()).errors[0]).toMatchObject({ field: 'query.q', code: 'invalid_character' });
        const paramNul = await http.fetch('/things/a%00', json('POST', { name: 'ok' }));
        expect(paramNul.status).toBe(400);
        expect((await paramNul.json()).errors[0]).toMatchObject({ field: 'params.id', code: 'invalid_character' });
        expect(reached).toBe(0);
        expect((await http.fetch('/things/a?q=b', json('POST', { name: 'fine ✓ ünïcødé' }))).status).toBe(200);
        expect(reached).toBe(1);
      } finally {
        await http.close();
      }
    },
  );
});

describe('ApiRouter typed replies', () => {
  const Thing = z.object({ id: z.string(), name: z.string() });

  function thingsApi() {
    const api = new ApiRouter(createOpenApiRegistry());
    api.endpoint(
      {
        method: 'post',
        path: '/api/v1/things',
        summary: 'Make a thing',
        body: z.object({ name: z.string() }),
        headers: z.object({ 'Request-Tag': z.string().max(8).optional() }),
        responses: {
          201: {
            description: 'Made',
            schema: Thing,
            headers: {
              Location: z.string(),
              'Request-Tag': z.string().optional().openapi({ description: 'The tag the request came with' }),
            },
          },
        },
      },
      (req, reply) =>
        reply(
          201,
          { id: 't1', name: req.valid.body.name },
          { Location: '/api/v1/things/t1', 'Request-Tag': req.valid.headers['Request-Tag'] },
        ),
    );
    api.endpoint(
      {
        method: 'delete',
        path: '/api/v1/things/{id}',
        summary: 'Remove a thing',
        params: z.object({ id: z.string() }),
        responses: { 204: { description: 'Removed' }, 404: { description: 'No such thing', schema: ProblemSchema } },
      },
      async (req, reply) => {
        if (req.valid.params.id !== 't1') throw new NotFoundError('thing_not_found', 'No such thing');
        return reply(204);
      },
    );
    api.endpoint(
      {
        method: 'get',
        path: '/api/v1/things/{id}/file',
        summary: 'A thing’s file',
        params: z.object({ id: z.string() }),
        responses: {
          200: {
            description: 'The file',
            stream: 'text/plain',
            headers: { 'Content-Type': z.string(), 'Cache-Control': z.string() },
          },
        },
      },
      (req, reply) => {
        // A file that turns out unreadable only once it is read.
        const broken = new Readable({ read: () => broken.destroy(new NotFoundError('file_gone', 'The file is gone')) });
        const stream = req.valid.params.id === 'broken' ? broken : Readable.from([`file of ${req.valid.params.id}`]);
        return reply(200, stream, { 'Content-Type': 'text/plain', 'Cache-Control': 'public, immutable' });
      },
    );
    return api;
  }

  it('sends the status, the declared headers and the body the handler returns', async () => {
    const http = await serve(thingsApi());
    try {
      const made = await http.fetch('/api/v1/things', json('POST', { name: 'kettle' }, { 'request-tag': 'abc' }));
      expect(made.status).toBe(201);
      expect(made.headers.get('location')).toBe('/api/v1/things/t1');
      expect(made.headers.get('request-tag')).toBe('abc');
      expect(made.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await made.json()).toEqual({ id: 't1', name: 'kettle' });
      // An optional header left undefined is not sent at all.
      const untagged = await http.fetch('/api/v1/things', json('POST', { name: 'kettle' }));
      expect(untagged.headers.has('request-tag')).toBe(false);

      const removed = await http.fetch('/api/v1/things/t1', { method: 'DELETE' });
      expect([removed.status, await removed.text()]).toEqual([204, '']);
      const missing = await http.fetch('/api/v1/things/t2', { method: 'DELETE' });
      expect([missing.status, (await missing.json()).code]).toEqual([404, 'thing_not_found']);

      const wrongMethod = await http.fetch('/api/v1/things', { method: 'PUT' });
      expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);

      const file = await http.fetch('/api/v1/things/t1/file');
      expect([file.status, file.headers.get('content-type'), await file.text()]).toEqual([
        200,
        'text/plain',
        'file of t1',
      ]);
      // A stream failing before its first byte is answered by the error handler, without the reply's headers.
      const broken = await http.fetch('/api/v1/things/broken/file');
      expect([broken.status, broken.headers.get('cache-control'), (await broken.json()).code]).toEqual([
        404,
        null,
        'file_gone',
      ]);
      // HEAD gets the GET route's status and headers without the file being read (the broken one would fail).
      const head = await http.fetch('/api/v1/things/broken/file', { method: 'HEAD' });
      expect([head.status, head.headers.get('cache-control'), await head.text()]).toEqual([
        200,
        'public, immutable',
        '',
      ]);
    } finally {
      await http.close();
    }
  });

  it('validates declared request headers like the other parts', async () => {
    const http = await serve(thingsApi());
    try {
      const bad = await http.fetch(
        '/api/v1/things',
        json('POST', { name: 'kettle' }, { 'request-tag': 'too-long-tag' }),
      );
      expect(bad.status).toBe(400);
      expect((await bad.json()).errors).toEqual([
        expect.objectContaining({ field: 'headers.Request-Tag', code: 'too_big' }),
      ]);
    } finally {
      await http.close();
    }
  });

  it('documents request headers, response headers and binary responses', () => {
    const api = thingsApi();
    const doc = generateOpenApi(api.registry, { title: 't', version: '1' });
    const post = doc.paths?.['/api/v1/things']?.post;
    expect(post?.parameters).toEqual([expect.objectContaining({ name: 'Request-Tag', in: 'header', required: false })]);
    expect(post?.responses?.['201']).toMatchObject({
      headers: {
        Location: { required: true, schema: { type: 'string' } },
        'Request-Tag': { required: false, description: 'The tag the request came with' },
      },
    });
    expect(doc.paths?.['/api/v1/things/{id}/file']?.get?.responses?.['200']).toMatchObject({
      content: { 'text/plain': { schema: { type: 'string', format: 'binary' } } },
    });
  });

  it('lets tsc refuse a reply that does not match the documented responses', () => {
    const api = new ApiRouter(createOpenApiRegistry());
    const responses = {
      200: { description: 'The thing', schema: Thing },
      201: { description: 'Made', schema: Thing, headers: { Location: z.string() } },
      204: { description: 'Nothing' },
      404: { description: 'No such thing', schema: ProblemSchema },
    };
    const spec = { method: 'get', path: '/api/v1/things/x', summary: 'x', responses } as const;
    // Each of these lines fails `npm run lint` without its @ts-expect-error: the check this test is about.
    // @ts-expect-error a field the schema does not have
    api.endpoint(spec, (_req, reply) => reply(200, { id: 'x', name: 'n', colour: 'red' }));
    // @ts-expect-error a field of the wrong type
    api.endpoint(spec, (_req, reply) => reply(200, { id: 'x', name: 42 }));
    // @ts-expect-error a missing field
    api.endpoint(spec, (_req, reply) => reply(200, { id: 'x' }));
    // @ts-expect-error an undocumented status
    api.endpoint(spec, (_req, reply) => reply(202, { id: 'x', name: 'n' }));
    // @ts-expect-error errors are thrown, not returned
    api.endpoint(spec, (_req, reply) => reply(404, { code: 'x' }));
    // @ts-expect-error a declared header left out
    api.endpoint(spec, (_req, reply) => reply(201, { id: 'x', name: 'n' }));
    // @ts-expect-error a body on a response documented without one
    api.endpoint(spec, (_req, reply) => reply(204, { id: 'x', name: 'n' }));
    // @ts-expect-error an undeclared header
    api.endpoint(spec, (_req, reply) => reply(201, { id: 'x', name: 'n' }, { Location: '/x', 'X-Other': '1' }));
    // @ts-expect-error a handler that forgets to return its reply
    api.endpoint(spec, async (_req, reply) => {
      reply(200, { id: 'x', name: 'n' });
    });
    api.endpoint(spec, (_req, reply) => reply(201, { id: 'x', name: 'n' }, { Location: '/x' }));
    expect(api.registry.definitions.filter((d) => d.type === 'route')).toHaveLength(10);
  });
});
