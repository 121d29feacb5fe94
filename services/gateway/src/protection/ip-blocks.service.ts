import { v7 as uuidv7 } from 'uuid';
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import {
  AppError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  type Logger,
  runEvery,
} from '@petpro/kit';
import { type CidrSet, cidrContains, clientCidrOf, parseCidr, type Cidr, type IpAddress } from './cidr.ts';
import type { IpBlock, IpBlockStore } from './ip-blocks.store.ts';

/** Why a client is refused. */
export type BlockVerdict =
  | { source: 'static'; cidr: string }
  | { source: 'admin' | 'auto'; cidr: string; id: string; expiresAt?: string };

/** 403 for a blocked client; says until when when the block is temporary. */
export class IpBlockedError extends AppError {
  constructor(verdict: BlockVerdict) {
    const expiresAt = verdict.source === 'static' ? undefined : verdict.expiresAt;
    super(403, 'ip_blocked', 'Requests from your network are blocked', expiresAt ? { expiresAt } : {});
  }
}

interface ActiveBlock {
  block: IpBlock;
  cidr: Cidr;
  /** Epoch ms; Infinity for a block without expiry. */
  until: number;
}

export interface NewBlock {
  cidr: string;
  reason?: string;
  expiresAt?: Date;
  createdBy?: string;
  /** The address of whoever asks, so an admin cannot lock themselves out by mistake. */
  requester?: IpAddress;
}

/** Narrowest networks an admin may block at once; wider ones are almost always a typo. */
const MIN_BITS = { ipv4: 8, ipv6: 16 } as const;
const PURGE_EVERY_MS = 60_000;

function activate(block: IpBlock): ActiveBlock | undefined {
  const cidr = parseCidr(block.cidr, 128);
  if (!cidr) return undefined;
  return { block, cidr, until: block.expiresAt ? Date.parse(block.expiresAt) : Number.POSITIVE_INFINITY };
}

/**
 * The gateway's answer to "is this client blocked?": static deny and allow lists from
 * configuration, plus dynamic blocks (admin and automatic) kept in memory and refreshed from the
 * shared store every `pollMs` and whenever the store announces a change. Expiry is checked on every
 * lookup, so a block ends on time whatever the poll interval.
 */
export class IpBlockService {
  private active: ActiveBlock[] = [];
  /** The store's content at the last successful read. */
  private stored: IpBlock[] = [];
  /** Automatic blocks the store refused (it was down): enforced here until they expire or persist. */
  private localOnly: IpBlock[] = [];
  /**
   * Changes made here that a read of the store may not show yet: a read that started before the
   * write finished must not undo them (the next request from a just-blocked address has to be
   * refused at once). Each carries the sequence number of its completed write; a read that starts
   * later reflects it, and the entry is dropped.
   */
  private readonly recentAdds = new Map<string, { block: IpBlock; seq: number }>();
  private readonly recentRemovals = new Map<string, number>();
  private seq = 0;
  /** Blocks of exactly one client network (/32, /64) by CIDR text: the common case, looked up in O(1). */
  private exact = new Map<string, ActiveBlock>();
  private wide: ActiveBlock[] = [];
  private stopPolling?: () => Promise<void>;
  private lastPurge = 0;
  private failing = false;
  private refreshing?: Promise<void>;
  private readonly blockedCounter?: Counter;
  private readonly activeGauge?: Gauge;
  private readonly autoCounter?: Counter;

  constructor(
    private readonly store: IpBlockStore,
    private readonly lists: { deny: CidrSet; allow: CidrSet },
    private readonly log: Logger,
    metrics?: MetricsRegistry,
    private readonly pollMs = 2_000,
  ) {
    if (metrics) {
      this.blockedCounter = new Counter({
        name: 'gateway_blocked_requests_total',
        help: 'Requests refused because the client IP is blocked',
        labelNames: ['source'],
        registers: [metrics],
      });
      this.activeGauge = new Gauge({
        name: 'gateway_ip_blocks_active',
        help: 'Dynamic IP blocks in force',
        registers: [metrics],
      });
      this.autoCounter = new Counter({
        name: 'gateway_auto_blocks_total',
        help: 'Automatic IP blocks made',
        registers: [metrics],
      });
    }
  }

  /** Loads the blocks, then keeps them fresh. Resolves after the first load (or its failure). */
  async start(): Promise<void> {
    this.stopPolling = runEvery(this.pollMs, () => this.refresh(), {
      log: this.log,
      failure: 'IP-block refresh failed',
    });
    this.store.watch?.(() => void this.refresh());
    await this.store.ready?.(3_000);
    await this.refresh();
  }

  async stop(): Promise<void> {
    await this.stopPolling?.();
    await this.refreshing;
    await this.store.close();
  }

  /** Re-reads the store; on failure the last known blocks stay in force. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    try {
      const now = Date.now();
      if (now - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = now;
        await this.store.purgeExpired(now);
      }
      const readFrom = this.seq;
      const stored = await this.store.list();
      await this.persistLocalOnly(stored);
      for (const [id, r] of this.recentAdds) if (r.seq <= readFrom) this.recentAdds.delete(id);
      for (const [id, seq] of this.recentRemovals) if (seq <= readFrom) this.recentRemovals.delete(id);
      this.stored = stored;
      this.install();
      if (this.failing) this.log.info('IP-block store readable again');
      this.failing = false;
    } catch (err) {
      if (!this.failing)
        this.log.error({ err: (err as Error).message }, 'cannot read IP blocks; keeping the last known ones');
      this.failing = true;
    }
  }

  private async persistLocalOnly(stored: IpBlock[]): Promise<void> {
    const now = Date.now();
    this.localOnly = this.localOnly.filter((b) => b.expiresAt === undefined || Date.parse(b.expiresAt) > now);
    while (this.localOnly.length) {
      const b = this.localOnly[0]!;
      if (!stored.some((s) => s.id === b.id)) {
        await this.store.add(b);
        stored.push(b);
      }
      this.localOnly.shift();
    }
  }

  private install(): void {
    const now = Date.now();
    const byId = new Map<string, ActiveBlock>();
    for (const block of [...this.stored, ...[...this.recentAdds.values()].map((r) => r.block), ...this.localOnly]) {
      if (this.recentRemovals.has(block.id)) continue;
      const a = activate(block);
      if (a && a.until > now) byId.set(block.id, a);
    }
    const exact = new Map<string, ActiveBlock>();
    const wide: ActiveBlock[] = [];
    for (const b of byId.values()) {
      if (b.cidr.bits === (b.cidr.kind === 'ipv4' ? 32 : 64) && !exact.has(b.cidr.text)) exact.set(b.cidr.text, b);
      else wide.push(b);
    }
    this.active = [...byId.values()];
    this.exact = exact;
    this.wide = wide;
    this.activeGauge?.set(this.active.length);
  }

  /** Why `addr` is refused, or undefined. A block always wins over the allowlist. */
  check(addr: IpAddress): BlockVerdict | undefined {
    const denied = this.lists.deny.match(addr);
    if (denied) {
      this.blockedCounter?.inc({ source: 'static' });
      return { source: 'static', cidr: denied.text };
    }
    const hit = this.findDynamic(addr);
    if (!hit) return undefined;
    this.blockedCounter?.inc({ source: hit.block.source });
    return { source: hit.block.source, cidr: hit.cidr.text, id: hit.block.id, expiresAt: hit.block.expiresAt };
  }

  private findDynamic(addr: IpAddress): ActiveBlock | undefined {
    // The common case on the hot path: no dynamic block at all.
    if (this.exact.size === 0 && this.wide.length === 0) return undefined;
    const now = Date.now();
    const exact = this.exact.get(clientCidrOf(addr).text);
    if (exact && exact.until > now) return exact;
    return this.wide.find((b) => b.until > now && cidrContains(b.cidr, addr));
  }

  /** Allowlisted clients are exempt from rate limits and automatic blocks (not from blocks). */
  isAllowlisted(addr: IpAddress): boolean {
    return this.lists.allow.has(addr);
  }

  /** Dynamic blocks in force, oldest first, one page at a time (ids are time-ordered UUIDv7). */
  list(page: { limit: number; cursor?: string }): { items: IpBlock[]; nextCursor: string | null } {
    const now = Date.now();
    const all = this.active
      .filter((b) => b.until > now)
      .map((b) => b.block)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const cursor = page.cursor;
    const from = cursor ? all.filter((b) => b.id > cursor) : all;
    const items = from.slice(0, page.limit);
    return { items, nextCursor: from.length > page.limit ? items[items.length - 1]!.id : null };
  }

  /** The static lists, for the admin view. */
  staticLists(): { denylist: string[]; allowlist: string[] } {
    return { denylist: this.lists.deny.cidrs.map((c) => c.text), allowlist: this.lists.allow.cidrs.map((c) => c.text) };
  }

  /** Adds an admin block; it is in force on this replica at once and on the others within seconds. */
  async add(input: NewBlock): Promise<IpBlock> {
    const cidr = parseCidr(input.cidr);
    if (!cidr)
      throw new BadRequestError('invalid_cidr', 'cidr must be an IP address or CIDR', [
        { field: 'cidr', message: 'not an IP address or CIDR' },
      ]);
    if (cidr.bits < MIN_BITS[cidr.kind]) {
      throw new BadRequestError(
        'cidr_too_wide',
        `Blocks wider than /${MIN_BITS[cidr.kind]} are refused for ${cidr.kind === 'ipv4' ? 'IPv4' : 'IPv6'}`,
        [{ field: 'cidr', message: 'too wide' }],
      );
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestError('invalid_expiry', 'expiresAt must be in the future', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
    }
    if (input.requester && cidrContains(cidr, input.requester)) {
      throw new ConflictError('block_includes_self', 'This block would include your own address and lock you out');
    }
    const now = Date.now();
    const same = this.active.find((b) => b.cidr.text === cidr.text && b.until > now && b.block.source === 'admin');
    if (same) throw new ConflictError('block_exists', `${cidr.text} is already blocked`, { existingId: same.block.id });
    const block: IpBlock = {
      id: uuidv7(),
      cidr: cidr.text,
      ...(input.reason ? { reason: input.reason } : {}),
      source: 'admin',
      createdAt: new Date(now).toISOString(),
      ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}),
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    };
    try {
      await this.store.add(block);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot store an IP block');
      throw new ServiceUnavailableError(
        'ip_block_store_unavailable',
        'The IP-block store is unavailable; try again shortly',
        5,
      );
    }
    this.recentAdds.set(block.id, { block, seq: ++this.seq });
    this.install();
    this.log.warn(
      { cidr: block.cidr, id: block.id, expiresAt: block.expiresAt, by: block.createdBy },
      'IP block added',
    );
    return block;
  }

  /** Removes a block (admin or automatic) by id. */
  async remove(id: string): Promise<void> {
    let found: boolean;
    try {
      found = await this.store.remove(id);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot remove an IP block');
      throw new ServiceUnavailableError(
        'ip_block_store_unavailable',
        'The IP-block store is unavailable; try again shortly',
        5,
      );
    }
    const local = this.localOnly.some((b) => b.id === id);
    this.localOnly = this.localOnly.filter((b) => b.id !== id);
    if (!found && !local) throw new NotFoundError('ip_block_not_found', 'No IP block has this id');
    this.recentAdds.delete(id);
    this.recentRemovals.set(id, ++this.seq);
    this.install();
    this.log.warn({ id }, 'IP block removed');
  }

  /**
   * Blocks a misbehaving client's /32 or /64 for `minutes`. Never blocks an allowlisted client or
   * one already blocked; when the store is down the block still holds on this replica.
   */
  async autoBlock(addr: IpAddress, minutes: number, reason: string): Promise<IpBlock | undefined> {
    if (this.isAllowlisted(addr) || this.findDynamic(addr) || this.lists.deny.has(addr)) return undefined;
    const cidr = clientCidrOf(addr);
    const now = Date.now();
    const block: IpBlock = {
      id: uuidv7(),
      cidr: cidr.text,
      reason,
      source: 'auto',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + minutes * 60_000).toISOString(),
    };
    // In force here before the write: the next request must already be refused.
    const entry = { block, seq: Number.POSITIVE_INFINITY };
    this.recentAdds.set(block.id, entry);
    this.install();
    this.autoCounter?.inc();
    this.log.warn({ cidr: cidr.text, minutes, reason }, 'client blocked automatically');
    try {
      await this.store.add(block);
      entry.seq = ++this.seq;
    } catch (err) {
      this.log.error(
        { err: (err as Error).message, cidr: cidr.text },
        'cannot store an automatic IP block; enforcing it on this gateway only until the store is back',
      );
      this.recentAdds.delete(block.id);
      this.localOnly.push(block);
    }
    return block;
  }
}
