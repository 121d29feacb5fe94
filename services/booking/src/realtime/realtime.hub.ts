import type { Logger, RevocationList } from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import { mayReceive, toLogEvent, toMessage, type LogEvent, type Watcher } from './realtime.events.ts';

/** Rows read from the outbox per query. */
const PAGE = 500;
/** Events replayed to one socket at most; further behind, it gets `resync` and refetches. */
const MAX_REPLAY = 2_000;

/** One socket as the hub sees it: whose it is, what it follows, how to talk to it. */
export interface HubSocket extends Watcher {
  readonly userId: string;
  readonly sessionId: string;
  /** When its token expires (ms): the socket closes then. */
  readonly expiresAt: number;
  readonly clinics: Set<string>;
  readonly availability: Set<string>;
  /** The last event id sent (events are sent once, in order). */
  cursor: number;
  /** Live events held back while a resume replays the outbox (undefined when not resuming). */
  held?: LogEvent[];
  send(message: object): void;
  /** Closes with a code and reason (session end: 4001). */
  close(code: number, reason: string): void;
}

/**
 * Follows the outbox and hands each event to the sockets that may see it. The outbox is the record:
 * the hub reads it from its last position whenever a nudge arrives (this process or, over Redis, any
 * replica committed something) and every `pollMs` anyway; positions become visible in commit order
 * (see OutboxRepository.append), so reading `seq > position` never skips one. Each socket keeps its
 * own cursor, so a resume (replayed from the outbox) and live delivery never send an event twice.
 */
export class RealtimeHub {
  private position = 0;
  private readonly sockets = new Set<HubSocket>();
  private readonly byUser = new Map<string, Set<HubSocket>>();
  private readonly byClinic = new Map<string, Set<HubSocket>>();
  private readonly byAvailability = new Map<string, Set<HubSocket>>();
  private pumping?: Promise<void>;
  private again = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: BookingStore,
    private readonly log: Logger,
    private readonly opts: { pollMs: number; revocations?: RevocationList; keepMs: number },
  ) {}

  /** Starts from the newest event (older ones are for resumes), then polls and watches sessions. */
  async start(): Promise<void> {
    this.position = (await this.store.repos.outbox.bounds()).last;
    const poll = setInterval(() => this.nudge(), this.opts.pollMs);
    // A revoked session or an expired token closes its sockets within a quarter of a second of this
    // process learning of it (the revocation feed is read every REVOCATION_POLL_MS).
    const sessions = setInterval(() => this.closeEndedSessions(), 250);
    for (const t of [poll, sessions]) t.unref();
    this.timers = [poll, sessions];
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** The newest event id this hub has delivered (a client that starts now resumes from here). */
  get lastEventId(): number {
    return this.position;
  }

  get size(): number {
    return this.sockets.size;
  }

  countOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Something was committed: read the outbox (one reader at a time; a nudge during a read reads again). */
  nudge(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.pump();
        } while (this.again);
      } catch (err) {
        this.log.warn({ err }, 'reading the outbox for real-time delivery failed');
      } finally {
        this.pumping = undefined;
      }
    })();
  }

  private async pump(): Promise<void> {
    for (;;) {
      const rows = await this.store.repos.outbox.listAfter(this.position, PAGE);
      for (const row of rows) {
        const e = toLogEvent(row);
        this.position = e.seq;
        this.dispatch(e);
      }
      if (rows.length < PAGE) return;
    }
  }

  private dispatch(e: LogEvent): void {
    if (e.type === 'availability.changed' && e.payload.hidden === true && e.clinicId) this.hideClinic(e.clinicId);
    const to = new Set<HubSocket>();
    const add = (set?: Set<HubSocket>) => {
      if (set) for (const s of set) to.add(s);
    };
    if (e.ownerId) add(this.byUser.get(e.ownerId));
    if (e.clinicId) {
      add(this.byClinic.get(e.clinicId));
      if (e.type === 'availability.changed') add(this.byAvailability.get(e.clinicId));
    }
    for (const s of to) this.offer(s, e);
  }

  /**
   * A clinic strangers may no longer see (unpublished or deleted): its availability subscriptions end,
   * except for sockets that follow the clinic as its own people (subscribing again checks once more).
   */
  private hideClinic(clinicId: string): void {
    const members = this.byClinic.get(clinicId);
    for (const s of [...(this.byAvailability.get(clinicId) ?? [])]) {
      if (members?.has(s)) continue;
      this.unfollow(s, 'availability', clinicId);
      s.send({ type: 'unsubscribed', topic: 'availability', clinicId, reason: 'clinic_not_found' });
    }
  }

  /** Sends an event the socket may see and has not had yet (or holds it while the socket resumes). */
  private offer(s: HubSocket, e: LogEvent): void {
    if (!mayReceive(s, e)) return;
    if (s.held) {
      s.held.push(e);
      return;
    }
    if (e.seq <= s.cursor) return;
    s.cursor = e.seq;
    s.send(toMessage(e));
  }

  add(s: HubSocket): void {
    this.sockets.add(s);
    indexAdd(this.byUser, s.userId, s);
    s.cursor = this.position;
  }

  remove(s: HubSocket): void {
    this.sockets.delete(s);
    indexDelete(this.byUser, s.userId, s);
    for (const c of s.clinics) indexDelete(this.byClinic, c, s);
    for (const c of s.availability) indexDelete(this.byAvailability, c, s);
  }

  follow(s: HubSocket, topic: 'clinic' | 'availability', clinicId: string): void {
    (topic === 'clinic' ? s.clinics : s.availability).add(clinicId);
    indexAdd(topic === 'clinic' ? this.byClinic : this.byAvailability, clinicId, s);
  }

  unfollow(s: HubSocket, topic: 'clinic' | 'availability', clinicId: string): void {
    (topic === 'clinic' ? s.clinics : s.availability).delete(clinicId);
    indexDelete(topic === 'clinic' ? this.byClinic : this.byAvailability, clinicId, s);
  }

  /**
   * Sends every event after `after` that the socket may see, in order, then the live ones that came
   * meanwhile; `{type: "resync"}` when the outbox no longer holds them all (purged, or too many).
   */
  async resume(s: HubSocket, after: number): Promise<void> {
    s.held = [];
    try {
      const purged = await this.store.repos.outbox.purgedThrough();
      const { last } = await this.store.repos.outbox.bounds();
      if (after < purged || after > Math.max(last, this.position)) return this.resync(s);
      let from = after;
      const missed: LogEvent[] = [];
      for (;;) {
        const rows = await this.store.repos.outbox.listAfter(from, PAGE);
        for (const row of rows) {
          const e = toLogEvent(row);
          from = e.seq;
          if (mayReceive(s, e)) missed.push(e);
        }
        if (missed.length > MAX_REPLAY) return this.resync(s);
        if (rows.length < PAGE) break;
      }
      s.cursor = after;
      for (const e of missed) {
        s.cursor = e.seq;
        s.send(toMessage(e));
      }
    } finally {
      const held = s.held ?? [];
      s.held = undefined;
      for (const e of held) this.offer(s, e);
    }
  }

  private resync(s: HubSocket): void {
    s.cursor = Math.max(s.cursor, this.position);
    s.send({ type: 'resync', lastEventId: this.position });
  }

  /** Closes sockets whose session was revoked (logout, password reset, eviction) or whose token expired. */
  private closeEndedSessions(): void {
    const now = Date.now();
    for (const s of this.sockets) {
      const revoked = this.opts.revocations?.isRevoked(s.sessionId) ?? false;
      if (!revoked && s.expiresAt > now) continue;
      s.send({
        type: 'session.revoked',
        at: new Date(now).toISOString(),
        data: { reason: revoked ? 'revoked' : 'expired' },
      });
      s.close(4001, 'session.revoked');
      this.remove(s);
    }
  }

  /** Every socket (graceful shutdown). */
  all(): HubSocket[] {
    return [...this.sockets];
  }

  /** Drops events older than the retention (at least 24 h); a resume from before them gets `resync`. */
  async purge(): Promise<void> {
    await this.store.transaction((repos) => repos.outbox.purgeOlderThan(this.opts.keepMs));
  }
}

function indexAdd(map: Map<string, Set<HubSocket>>, key: string, s: HubSocket): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(s);
}

function indexDelete(map: Map<string, Set<HubSocket>>, key: string, s: HubSocket): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(s);
  if (!set.size) map.delete(key);
}
