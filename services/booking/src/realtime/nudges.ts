import { EventEmitter } from 'node:events';
import { createRedis, type Logger, type Store } from '@petpro/kit';

/**
 * "The outbox has something new": after a commit this process tells every replica to read it. With
 * Redis (REDIS_URL) the nudge goes over pub/sub to every booking replica; without, in-process only.
 * A nudge carries nothing: the outbox is the record, so a lost nudge only delays delivery until the
 * hub's next poll.
 */
export class Nudges {
  private readonly local = new EventEmitter();
  private readonly channel: string;
  private pub?: ReturnType<typeof createRedis>;
  private sub?: ReturnType<typeof createRedis>;

  constructor(opts: { redisUrl?: string; prefix: string; log: Logger }) {
    this.channel = `${opts.prefix}realtime:outbox`;
    this.local.setMaxListeners(0);
    if (!opts.redisUrl) return;
    this.pub = createRedis(opts.redisUrl);
    this.sub = createRedis(opts.redisUrl);
    let failing = false;
    const onError = (err: Error) => {
      if (!failing)
        opts.log.warn({ err: err.message }, 'realtime nudges: Redis unavailable (delivery falls back to polling)');
      failing = true;
    };
    this.pub.on('error', onError);
    this.sub.on('error', onError);
    this.sub.on('ready', () => {
      failing = false;
      this.sub!.subscribe(this.channel).catch(onError);
    });
    this.sub.on('message', () => this.local.emit('nudge'));
  }

  /** Tells this process at once, and every other replica through Redis. */
  publish(): void {
    this.local.emit('nudge');
    this.pub?.publish(this.channel, '1').catch(() => {});
  }

  onNudge(fn: () => void): void {
    this.local.on('nudge', fn);
  }

  close(): void {
    this.local.removeAllListeners();
    this.pub?.disconnect();
    this.sub?.disconnect();
  }
}

/** The store, nudging every replica after each committed transaction (changes append their events in one). */
export function nudgingAfterCommit<R>(store: Store<R>, nudges: Nudges): Store<R> {
  return {
    repos: store.repos,
    async transaction(fn) {
      const out = await store.transaction(fn);
      nudges.publish();
      return out;
    },
  };
}
