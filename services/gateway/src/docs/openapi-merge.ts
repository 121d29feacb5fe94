import type { Logger } from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: Array<{ name: string; description?: string }>;
  [k: string]: unknown;
}

/**
 * Merges the gateway's own document with every upstream's `/openapi.json` into one OpenAPI 3.1
 * document. Each service's operations are tagged with the service name; component names are shared
 * (services use the same names only for the same shapes, such as Problem). Cached briefly.
 */
export class OpenApiMerger {
  private cached?: { at: number; doc: OpenApiDoc };

  constructor(
    private readonly pool: InstancePool,
    private readonly services: readonly string[],
    private readonly own: () => OpenApiDoc,
    private readonly log: Logger,
    private readonly ttlMs = 15_000,
  ) {}

  private async fetchDoc(service: string): Promise<OpenApiDoc | undefined> {
    const inst = this.pool.next(service);
    if (!inst) return undefined;
    try {
      const res = await fetch(new URL('/openapi.json', inst.url), { signal: AbortSignal.timeout(3_000) });
      if (!res.ok) return undefined;
      return (await res.json()) as OpenApiDoc;
    } catch (err) {
      this.log.warn({ service, err: (err as Error).message }, 'could not fetch a service OpenAPI document');
      return undefined;
    }
  }

  async document(): Promise<OpenApiDoc> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.doc;
    const base = this.own();
    const merged: OpenApiDoc = {
      openapi: '3.1.0',
      info: {
        title: 'PetPro API',
        version: base.info.version,
        description:
          'The public PetPro API, through the gateway. Errors are application/problem+json with a stable `code`.',
      },
      servers: [{ url: '/' }],
      paths: {},
      components: {},
      tags: [{ name: 'platform', description: 'Gateway: health, documentation, administration' }],
    };
    const missing: string[] = [];
    const add = (doc: OpenApiDoc, tag: string) => {
      for (const [p, item] of Object.entries(doc.paths ?? {})) {
        const ops: Record<string, unknown> = {};
        for (const [method, op] of Object.entries(item)) {
          const o = op as { tags?: string[] };
          ops[method] = { ...o, tags: o.tags?.length ? o.tags : [tag] };
        }
        merged.paths![p] = { ...(merged.paths![p] ?? {}), ...ops };
      }
      for (const [section, entries] of Object.entries(doc.components ?? {})) {
        merged.components![section] = { ...(merged.components![section] ?? {}), ...entries };
      }
      for (const t of doc.tags ?? []) if (!merged.tags!.some((x) => x.name === t.name)) merged.tags!.push(t);
    };
    add(base, 'platform');
    const docs = await Promise.all(this.services.map(async (s) => [s, await this.fetchDoc(s)] as const));
    for (const [service, doc] of docs) {
      if (!doc) {
        missing.push(service);
        continue;
      }
      merged.tags!.push({ name: service, description: `${service} service` });
      add(doc, service);
    }
    if (missing.length) merged['x-missing-services'] = missing;
    // Only a complete document is cached, so a service that comes up later appears at once.
    if (!missing.length) this.cached = { at: Date.now(), doc: merged };
    return merged;
  }
}
