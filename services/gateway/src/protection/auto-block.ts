import type { Logger } from '@petpro/kit';
import type { ClientIdentity } from './client-ip.ts';
import type { WindowCounter } from './counter-store.ts';
import type { IpBlockService } from './ip-blocks.service.ts';

/** Rejections are counted over this window (fixed by the issue: "within 10 minutes"). */
export const AUTO_BLOCK_WINDOW_MS = 10 * 60_000;

/** A response that counts against a client: over a limit, or a failed authentication on an auth route. */
export function isRejection(limitClass: string | undefined, status: number): boolean {
  return status === 429 || (status === 401 && limitClass === 'auth');
}

/**
 * Blocks a client for `minutes` once it has collected `threshold` rejections (429s, and 401s from
 * auth routes such as a failed login) within ten minutes. The count is per client IP (or IPv6 /64)
 * and shared through Redis when there is one. `record` is called with every finished answer.
 */
export function autoBlocker(opts: {
  threshold: number;
  minutes: number;
  counter: WindowCounter;
  blocks: IpBlockService;
  log: Logger;
}) {
  const pending = new Set<string>();
  return {
    record(client: ClientIdentity, limitClass: string | undefined, status: number): void {
      if (opts.threshold <= 0 || !isRejection(limitClass, status) || opts.blocks.isAllowlisted(client.addr)) return;
      void (async () => {
        const n = await opts.counter.hit(client.key);
        if (n < opts.threshold || pending.has(client.key)) return;
        // Several rejections can cross the threshold at once; one block is enough.
        pending.add(client.key);
        try {
          await opts.blocks.autoBlock(
            client.addr,
            opts.minutes,
            `${n} rejected requests (429, or 401 on auth routes) within 10 minutes`,
          );
        } finally {
          pending.delete(client.key);
        }
      })().catch((err: Error) => opts.log.error({ err: err.message }, 'automatic block failed'));
    },
  };
}
