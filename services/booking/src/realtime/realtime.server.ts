import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Gauge, type Registry as MetricsRegistry } from 'prom-client';
import {
  AppError,
  bearerToken,
  problemBody,
  SERVICE_TOKEN_HEADER,
  type AccessTokenVerifier,
  type Logger,
  type Principal,
  type RevocationList,
  type ServiceCredentials,
} from '@petpro/kit';
import { REALTIME_IDENTITY_HEADER, RealtimeIdentity, type RealtimeIdentityView } from '@petpro/contracts';
import type { RealtimeHub, HubSocket } from './realtime.hub.ts';
import type { LogEvent } from './realtime.events.ts';
import type { RealtimeService } from './realtime.service.ts';
import { ClientMessage } from './realtime.schemas.ts';

export interface RealtimeLimits {
  maxSockets: number;
  maxPerUser: number;
  heartbeatMs: number;
  maxBufferBytes: number;
  maxMessageBytes: number;
  messagesPer10s: number;
}

/** Writes an HTTP answer on a socket that was not upgraded (a problem+json body). */
function refuse(socket: Duplex, status: number, code: string, detail: string, headers = ''): void {
  const body = JSON.stringify(problemBody(status, code, detail));
  socket.end(
    `HTTP/1.1 ${status} ${code}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${headers}Connection: close\r\n\r\n${body}`,
  );
}

/** The first value of a header. */
const headerOf = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * `GET /ws`: the booking service's WebSocket server (the `ws` library; no Socket.IO, whose Redis
 * adapter cannot replay missed events). Who connects is decided before the upgrade: the identity the
 * gateway sends with its service credential (it verified the token or redeemed the ticket), or a
 * bearer token verified here. Then the hub delivers events; this class runs the socket's protocol
 * and its limits (heartbeat, backpressure, message size and rate, caps, graceful shutdown).
 */
export class RealtimeServer {
  private readonly wss: WebSocketServer;
  private heartbeat?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly deps: {
      hub: RealtimeHub;
      realtime: RealtimeService;
      verifier: AccessTokenVerifier;
      credentials: ServiceCredentials;
      log: Logger;
      limits: RealtimeLimits;
      metrics: MetricsRegistry;
      revocations?: RevocationList;
    },
  ) {
    const hub = deps.hub;
    new Gauge({
      name: 'booking_websockets_open',
      help: 'WebSockets open on this instance',
      registers: [deps.metrics],
      collect() {
        this.set(hub.size);
      },
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: deps.limits.maxMessageBytes,
      perMessageDeflate: false,
    });
  }

  /** Listens for upgrades on the service's server and starts the heartbeat. */
  attach(server: http.Server): void {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(req, socket, head).catch((err) => {
        this.deps.log.warn({ err }, 'websocket upgrade failed');
        socket.destroy();
      });
    });
    const hub = this.deps.hub;
    // A peer that answered neither the last ping nor sent anything since is gone (a dead network path).
    this.heartbeat = setInterval(() => {
      for (const s of hub.all() as Connection[]) {
        if (!s.alive) {
          s.ws.terminate();
          continue;
        }
        s.alive = false;
        s.ws.ping();
      }
    }, this.deps.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'not_found', 'No WebSocket here');
    if (this.draining) return refuse(socket, 503, 'shutting_down', 'This instance is restarting', 'Retry-After: 1\r\n');
    let who: RealtimeIdentityView;
    try {
      who = await this.identify(req);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError(401, 'unauthorized', 'Authentication failed');
      return refuse(socket, e.status, e.code, e.message);
    }
    const { hub, limits } = this.deps;
    // The gateway may learn of a revocation a moment after this process: refused here too, never opened.
    if (this.deps.revocations?.isRevoked(who.sessionId) || who.expiresAt <= Date.now())
      return refuse(socket, 401, 'session_revoked', 'This session has ended');
    if (hub.size >= limits.maxSockets)
      return refuse(socket, 503, 'too_many_sockets', 'This instance is full', 'Retry-After: 1\r\n');
    if (hub.countOf(who.userId) >= limits.maxPerUser)
      return refuse(socket, 429, 'too_many_sockets', `At most ${limits.maxPerUser} sockets per user`);
    const afterText = url.searchParams.get('after');
    const after = afterText === null ? undefined : Number(afterText);
    if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0))
      return refuse(socket, 400, 'invalid_after', '`after` must be an event id (a non-negative integer)');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, who, after));
  }

  /** The gateway's word (with its service credential) or a bearer token verified here; else 401. */
  private async identify(req: http.IncomingMessage): Promise<RealtimeIdentityView> {
    const forwarded = headerOf(req, REALTIME_IDENTITY_HEADER);
    if (forwarded !== undefined) {
      // Only the gateway may name the user: its credential is checked, and it strips this header from clients.
      const caller = await this.deps.credentials.verify(headerOf(req, SERVICE_TOKEN_HEADER));
      if (caller !== 'gateway') throw new AppError(401, 'invalid_service_credential', 'Only the gateway may do this');
      const parsed = RealtimeIdentity.safeParse(JSON.parse(Buffer.from(forwarded, 'base64url').toString('utf8')));
      if (!parsed.success) throw new AppError(400, 'invalid_identity', 'The forwarded identity is malformed');
      return parsed.data;
    }
    const token = bearerToken(req);
    if (!token) throw new AppError(401, 'unauthorized', 'A bearer access token or a ticket is required');
    const p = await this.deps.verifier.verify(token);
    return {
      userId: p.userId,
      sessionId: p.sessionId,
      roles: p.roles,
      permissions: p.permissions,
      expiresAt: p.expiresAt,
    };
  }

  private open(ws: WebSocket, who: RealtimeIdentityView, after: number | undefined): void {
    const { hub, limits, log } = this.deps;
    const s = new Connection(ws, who, limits.maxBufferBytes);
    hub.add(s);
    ws.on('close', () => hub.remove(s));
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => {
      s.alive = true;
    });
    s.send({ type: 'hello', lastEventId: hub.lastEventId });
    // Client messages are handled one after another, so a resume finishes before the next subscribe.
    let chain = Promise.resolve();
    let windowStart = Date.now();
    let count = 0;
    ws.on('message', (data, isBinary) => {
      s.alive = true;
      if (Date.now() - windowStart > 10_000) {
        windowStart = Date.now();
        count = 0;
      }
      count += 1;
      if (count > 2 * limits.messagesPer10s) return ws.close(1008, 'rate limit');
      if (count > limits.messagesPer10s)
        return s.send({ type: 'error', code: 'rate_limited', message: 'Too many messages; slow down' });
      chain = chain
        .then(() => this.handle(s, isBinary ? undefined : data.toString()))
        .catch((err) => log.warn({ err }, 'websocket message failed'));
    });
    if (after !== undefined) chain = chain.then(() => hub.resume(s, after)).catch(() => {});
  }

  private async handle(s: Connection, text: string | undefined): Promise<void> {
    let raw: unknown;
    try {
      raw = text === undefined ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success)
      return s.send({ type: 'error', code: 'invalid_message', message: 'Not a message of this protocol (see README)' });
    const m = parsed.data;
    const { hub, realtime } = this.deps;
    if (m.type === 'ping') return s.send({ type: 'pong' });
    if (m.type === 'resume') return hub.resume(s, m.after);
    const request = { type: m.type, topic: m.topic, clinicId: m.clinicId };
    if (m.type === 'unsubscribe') {
      hub.unfollow(s, m.topic, m.clinicId);
      return s.send({ type: 'unsubscribed', topic: m.topic, clinicId: m.clinicId });
    }
    try {
      if (m.topic === 'clinic') await realtime.assertMayFollowClinic(s.principal, m.clinicId);
      else await realtime.assertMayFollowAvailability(s.principal, m.clinicId);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError(503, 'unavailable', 'Try again shortly');
      return s.send({ type: 'error', code: e.code, message: e.message, request });
    }
    if (s.closed) return;
    hub.follow(s, m.topic, m.clinicId);
    s.send({ type: 'subscribed', topic: m.topic, clinicId: m.clinicId });
  }

  /**
   * Graceful shutdown: no new sockets, and every open one closed with 1012 and a `retryAfterMs` spread
   * over a few seconds, so clients do not all reconnect to the remaining instances at the same moment.
   */
  async drain(spreadMs = 5_000): Promise<void> {
    this.draining = true;
    clearInterval(this.heartbeat);
    const sockets = this.deps.hub.all();
    for (const s of sockets) {
      const retryAfterMs = Math.floor(Math.random() * spreadMs);
      s.send({ type: 'restart', retryAfterMs });
      s.close(1012, JSON.stringify({ retryAfterMs }));
    }
    // Give close frames a moment, then cut what is left so the server can close.
    await new Promise((r) => setTimeout(r, sockets.length ? 500 : 0));
    for (const s of sockets) (s as Connection).ws.terminate();
  }
}

/** One open socket: the hub's view of it plus the `ws` object. */
class Connection implements HubSocket {
  readonly userId: string;
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly clinics = new Set<string>();
  readonly availability = new Set<string>();
  readonly principal: Principal;
  cursor = 0;
  held?: LogEvent[];
  closed = false;
  /** Answered the last ping (or sent something) since it was sent. */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    who: RealtimeIdentityView,
    private readonly maxBufferBytes: number,
  ) {
    this.userId = who.userId;
    this.sessionId = who.sessionId;
    this.expiresAt = who.expiresAt;
    // What the clinic access checks read; the token itself stays with the gateway.
    this.principal = { ...who, token: '' };
    ws.once('close', () => {
      this.closed = true;
    });
  }

  send(message: object): void {
    if (this.closed) return;
    this.ws.send(JSON.stringify(message));
    // A client that does not read is cut off rather than buffered without limit.
    if (this.ws.bufferedAmount > this.maxBufferBytes) {
      this.close(1013, 'too slow');
      setTimeout(() => this.ws.terminate(), 1_000).unref();
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }
}
