import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BreakerSet, BreakerState, Logger } from '@petpro/kit';

/**
 * Keeps the gateways' circuits coherent through Redis: when one gateway's circuit for a service opens
 * (or closes after a successful probe), it publishes that, and every other gateway applies it at once,
 * so a failing service is not hammered by the gateways that have not yet counted enough failures, and
 * traffic returns everywhere as soon as one probe succeeds. An open circuit is also kept in a key that
 * expires with the reset timeout, so a gateway that starts (or reconnects) while it is open learns it.
 *
 * Without Redis each gateway keeps its own circuits (the single-gateway and cluster-worker cases).
 */
export class CircuitSync {
  /** Identifies this process's messages, so that it ignores its own. */
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === this.channel) this.receive(message);
  };

  constructor(
    private readonly deps: {
      redis: Redis;
      subscriber: Redis;
      prefix: string;
      breakers: BreakerSet;
      services: readonly string[];
      resetTimeoutMs: number;
      log: Logger;
    },
  ) {
    this.channel = `${deps.prefix}circuit`;
  }

  private key(service: string): string {
    return `${this.deps.prefix}circuit:${service}`;
  }

  /** Reports a state this gateway reached by itself (wire it to BreakerSet's onStateChange for 'local'). */
  publish(service: string, state: BreakerState): void {
    if (state === 'half_open') return;
    const { redis, resetTimeoutMs, log } = this.deps;
    const message = JSON.stringify({ service, state, origin: this.origin });
    const write =
      state === 'open'
        ? redis.multi().set(this.key(service), 'open', 'PX', resetTimeoutMs).publish(this.channel, message).exec()
        : redis.multi().del(this.key(service)).publish(this.channel, message).exec();
    // Redis down: each gateway still protects itself with its own circuit.
    write.catch((err: Error) => log.debug({ err: err.message, service, state }, 'circuit state not shared'));
  }

  private receive(message: string): void {
    let parsed: { service?: unknown; state?: unknown; origin?: unknown };
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    const { service, state, origin } = parsed;
    if (origin === this.origin || typeof service !== 'string' || !this.deps.services.includes(service)) return;
    if (state !== 'open' && state !== 'closed') return;
    this.deps.log.info({ service, state }, 'circuit state applied from another gateway');
    this.deps.breakers.applyPeerState(service, state);
  }

  /** Subscribes and applies the circuits that are open right now. */
  async start(): Promise<void> {
    const { subscriber, redis, services, breakers, log } = this.deps;
    subscriber.on('message', this.onMessage);
    subscriber.subscribe(this.channel).catch((err: Error) => log.warn({ err: err.message }, 'circuit sync'));
    try {
      const states = await redis.mget(services.map((s) => this.key(s)));
      services.forEach((s, i) => {
        if (states[i] === 'open') breakers.applyPeerState(s, 'open');
      });
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'open circuits not read at start');
    }
  }

  stop(): void {
    this.deps.subscriber.off('message', this.onMessage);
  }
}
