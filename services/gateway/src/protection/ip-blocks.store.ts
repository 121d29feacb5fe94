import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@petpro/kit';

/** A dynamic block as stored: one network refused until `expiresAt` (or until removed). */
export interface IpBlock {
  id: string;
  /** Canonical CIDR, e.g. `203.0.113.0/24` or `2001:db8:1:2::/64`. */
  cidr: string;
  reason?: string;
  source: 'admin' | 'auto';
  createdAt: string;
  /** ISO 8601; absent means until an admin removes it. */
  expiresAt?: string;
  /** The admin's user id for admin blocks. */
  createdBy?: string;
}

/**
 * Where dynamic blocks persist. Every replica reads the same store, so a block made on one reaches
 * the others on their next read (within the poll interval, or at once through `watch`).
 */
export interface IpBlockStore {
  /** Every stored block; expired ones may still be present until purged. */
  list(): Promise<IpBlock[]>;
  add(block: IpBlock): Promise<void>;
  /** False when no block has this id. */
  remove(id: string): Promise<boolean>;
  /** Deletes blocks that expired before `now`. */
  purgeExpired(now: number): Promise<void>;
  /** Calls `onChange` when another replica changed the blocks (best effort; polling is the backstop). */
  watch?(onChange: () => void): void;
  /** Resolves when the store can answer (or after `timeoutMs`). */
  ready?(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function isExpired(b: IpBlock, now: number): boolean {
  return b.expiresAt !== undefined && Date.parse(b.expiresAt) <= now;
}

interface FileShape {
  version: 1;
  blocks: IpBlock[];
}

/**
 * Blocks in one JSON file under the data directory (one-machine mode). Writes go to a temporary
 * file that is fsynced and renamed over the old one, so a crash never leaves half a file; a lock
 * file serialises writers when two gateway processes share the folder.
 */
export class FileIpBlockStore implements IpBlockStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  async list(): Promise<IpBlock[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<FileShape>;
    return Array.isArray(parsed.blocks) ? parsed.blocks : [];
  }

  add(block: IpBlock): Promise<void> {
    return this.update((blocks) => [...blocks.filter((b) => b.id !== block.id), block]).then(() => undefined);
  }

  async remove(id: string): Promise<boolean> {
    let found = false;
    await this.update((blocks) => {
      found = blocks.some((b) => b.id === id);
      return found ? blocks.filter((b) => b.id !== id) : undefined;
    });
    return found;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.update((blocks) =>
      blocks.some((b) => isExpired(b, now)) ? blocks.filter((b) => !isExpired(b, now)) : undefined,
    );
  }

  async close(): Promise<void> {
    await this.chain.catch(() => {});
  }

  /** Read-modify-write under the lock; `change` returns undefined when nothing changes. */
  private update(change: (blocks: IpBlock[]) => IpBlock[] | undefined): Promise<void> {
    const run = async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const release = await this.lock();
      try {
        const next = change(await this.list());
        if (next) await this.writeAtomically({ version: 1, blocks: next });
      } finally {
        await release();
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  private async writeAtomically(content: FileShape): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockFile = `${this.file}.lock`;
    const until = Date.now() + 5_000;
    for (;;) {
      try {
        const h = await fs.open(lockFile, 'wx');
        await h.close();
        return () => fs.rm(lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A writer that died holding the lock must not block every later write.
        const stat = await fs.stat(lockFile).catch(() => undefined);
        if (stat && Date.now() - stat.mtimeMs > 10_000) {
          this.log.warn({ lockFile }, 'removing a stale IP-block lock file');
          await fs.rm(lockFile, { force: true });
          continue;
        }
        if (Date.now() > until) throw new Error(`could not lock ${lockFile}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

/**
 * Blocks in one Redis hash (id → JSON) shared by every replica; a change is announced on a pub/sub
 * channel so the other replicas reload at once instead of at their next poll.
 */
export class RedisIpBlockStore implements IpBlockStore {
  private readonly key: string;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis | undefined,
    prefix: string,
    private readonly log: Logger,
  ) {
    this.key = `${prefix}ip-blocks`;
    this.channel = `${prefix}ip-blocks:changed`;
  }

  async list(): Promise<IpBlock[]> {
    const all = await this.redis.hgetall(this.key);
    const out: IpBlock[] = [];
    for (const raw of Object.values(all)) {
      try {
        out.push(JSON.parse(raw) as IpBlock);
      } catch {
        this.log.warn({ key: this.key }, 'ignoring an unreadable IP block entry');
      }
    }
    return out;
  }

  async add(block: IpBlock): Promise<void> {
    await this.redis.hset(this.key, block.id, JSON.stringify(block));
    await this.announce();
  }

  async remove(id: string): Promise<boolean> {
    const n = await this.redis.hdel(this.key, id);
    if (n > 0) await this.announce();
    return n > 0;
  }

  async purgeExpired(now: number): Promise<void> {
    const expired = (await this.list()).filter((b) => isExpired(b, now)).map((b) => b.id);
    if (expired.length) await this.redis.hdel(this.key, ...expired);
  }

  watch(onChange: () => void): void {
    if (!this.subscriber) return;
    this.subscriber.on('message', (channel: string) => {
      if (channel === this.channel) onChange();
    });
    // Queued until Redis is reachable; ioredis re-subscribes by itself after a reconnect.
    this.subscriber
      .subscribe(this.channel)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'cannot subscribe to IP-block changes; polling only'));
  }

  async ready(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      redis.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }

  private async announce(): Promise<void> {
    // The write already happened; a lost announcement only delays the others until their next poll.
    await this.redis.publish(this.channel, '1').catch(() => 0);
  }
}
