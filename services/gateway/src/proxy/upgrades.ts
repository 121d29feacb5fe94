/**
 * WebSocket upgrades: the only requests that bypass Express. Each is checked here before any byte
 * reaches a service: IP blocks and the client's budget, framing, a WebSocket route (`/ws` only),
 * and who is asking (a bearer token verified with the revocation list, or a single-use ticket
 * redeemed with the booking service); anything else is answered 401/4xx on the raw socket, never
 * upgraded. The upgrade then goes to a healthy instance with the caller's identity in a header only
 * the gateway can set (sent with its service credential; clients' copies are stripped), and the two
 * sockets are spliced. Open sockets are counted in the metrics; when their instance dies or leaves
 * the pool, the client sockets are closed so the clients reconnect to another one.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import {
  AppError,
  type AccessTokenVerifier,
  bearerToken,
  problemBody,
  requestIdOf,
  type RevocationList,
  SERVICE_TOKEN_HEADER,
  type ServiceClient,
  type ServiceCredentials,
  UnauthorizedError,
  UpstreamHttpError,
} from '@petpro/kit';
import {
  REALTIME_IDENTITY_HEADER,
  RealtimeIdentity,
  parseContract,
  type RealtimeIdentityView,
} from '@petpro/contracts';
import type { InstancePool } from '../discovery/instances.ts';
import type { Protection } from '../protection/protection.ts';
import { matchRoute } from '../routing/route-table.ts';
import { forwardPath, normalisePath } from '../routing/normalise-path.ts';
import { framingProblem, hasBody } from './framing.ts';
import { upstreamRequestHeaders } from './proxy.ts';

export interface UpgradeDeps {
  protection: Protection;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  pool: InstancePool;
  /** The gateway's client of the services (ticket redemption). */
  client: ServiceClient;
  credentials: ServiceCredentials;
  metrics: MetricsRegistry;
}

/** How often sockets of instances that left the pool (or failed their health check) are looked for. */
const SWEEP_MS = 1_000;

/** An HTTP answer on the raw socket of a refused upgrade. */
function answer(socket: Duplex, status: number, code: string, detail: string, requestId?: string): void {
  const body = JSON.stringify(problemBody(status, code, detail, requestId ? { requestId } : {}));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

export function createUpgrades(deps: UpgradeDeps) {
  const { protection, verifier, revocations, pool, client, credentials } = deps;
  const open = new Gauge({
    name: 'gateway_websockets_open',
    help: 'WebSockets open through the gateway, by upstream service',
    labelNames: ['service'],
    registers: [deps.metrics],
  });
  const upgrades = new Counter({
    name: 'gateway_websocket_upgrades_total',
    help: 'WebSocket upgrade attempts by outcome',
    labelNames: ['outcome'],
    registers: [deps.metrics],
  });
  /** Client sockets by the instance they are spliced to. */
  const byInstance = new Map<string, Set<Duplex>>();

  // An instance gone from the pool or failing its health checks takes its sockets with it (a dead
  // process closes its TCP connections itself; a hung or partitioned one does not).
  const sweep = setInterval(() => {
    const healthy = new Set(
      pool
        .view()
        .filter((i) => i.healthy)
        .map((i) => i.id),
    );
    for (const [id, sockets] of byInstance) if (!healthy.has(id)) for (const s of sockets) s.destroy();
  }, SWEEP_MS);
  sweep.unref();

  /** Who the upgrade is for: a valid token of a live session, or a ticket (single use). 401 otherwise. */
  async function identify(req: http.IncomingMessage, ticket: string | null): Promise<RealtimeIdentityView> {
    const token = bearerToken(req);
    if (token) {
      const p = await verifier.verify(token);
      return {
        userId: p.userId,
        sessionId: p.sessionId,
        roles: p.roles,
        permissions: p.permissions,
        expiresAt: p.expiresAt,
      };
    }
    if (!ticket) throw new UnauthorizedError('unauthorized', 'A bearer access token or a ticket is required');
    if (ticket.length < 16 || ticket.length > 128)
      throw new UnauthorizedError('invalid_ticket', 'The ticket is not valid');
    let body: unknown;
    try {
      body = await client.json('booking', {
        method: 'POST',
        path: '/internal/realtime/tickets/redeem',
        body: { ticket },
        timeoutMs: 3_000,
      });
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.status >= 400 && err.status < 500)
        throw new UnauthorizedError('invalid_ticket', 'The ticket is unknown, used or expired');
      throw new AppError(503, 'service_unavailable', 'Tickets cannot be checked now; try again shortly');
    }
    const who = parseContract(RealtimeIdentity, body, 'booking');
    if (revocations.isRevoked(who.sessionId) || who.expiresAt <= Date.now())
      throw new UnauthorizedError('session_revoked', 'This session has ended');
    return who;
  }

  function splice(client: Duplex, upstream: Duplex, instanceId: string, service: string): void {
    let set = byInstance.get(instanceId);
    if (!set) byInstance.set(instanceId, (set = new Set()));
    set.add(client);
    open.inc({ service });
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      open.dec({ service });
      set.delete(client);
      if (!set.size) byInstance.delete(instanceId);
      client.destroy();
      upstream.destroy();
    };
    upstream.pipe(client).pipe(upstream);
    for (const s of [client, upstream]) {
      s.on('error', done);
      s.on('close', done);
    }
  }

  async function handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const allowed = await protection.guardUpgrade(req, socket).catch(() => {
      socket.destroy();
      return false;
    });
    if (!allowed) return void upgrades.inc({ outcome: 'refused_protection' });
    if (framingProblem(req) || hasBody(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const requestId = requestIdOf(req.headers['x-request-id']);
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const normalised = normalisePath(rawPath);
    const rule = normalised ? matchRoute(normalised.toLowerCase()) : undefined;
    if (!rule || rule.service === 'gateway' || !normalised) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    // Only WebSocket routes are proxied as upgrades, never an HTTP route with an Upgrade header.
    if (!rule.websocket)
      return answer(
        socket,
        400,
        'upgrade_not_supported',
        'This path does not accept protocol upgrades; send the request without Upgrade',
        requestId,
      );
    const query = new URLSearchParams(rawQuery);
    let who: RealtimeIdentityView;
    try {
      who = await identify(req, query.get('ticket'));
    } catch (err) {
      const e = err instanceof AppError ? err : new UnauthorizedError('invalid_token', 'The access token is not valid');
      upgrades.inc({ outcome: 'refused_auth' });
      return answer(socket, e.status, e.code, e.message, requestId);
    }
    // The ticket is spent; only what the service reads (`after`) goes on, never a credential in a URL.
    const after = query.get('after');
    const path = forwardPath(normalised, rule.prefix) + (after === null ? '' : `?after=${encodeURIComponent(after)}`);
    const inst = pool.next(rule.service);
    if (!inst) {
      upgrades.inc({ outcome: 'no_instance' });
      return answer(socket, 503, 'service_unavailable', `The ${rule.service} service is unavailable`, requestId);
    }
    const headers = upstreamRequestHeaders(req, {
      service: rule.service,
      path,
      requestId,
      clientIp: protection.clientIp(req),
      clientKey: protection.clientIp(req),
      stripAuthorization: true,
    });
    const url = new URL(inst.url);
    headers.push('host', url.host, 'connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
    headers.push(SERVICE_TOKEN_HEADER, await credentials.token());
    headers.push(REALTIME_IDENTITY_HEADER, Buffer.from(JSON.stringify(who)).toString('base64url'));
    const upstreamReq = http.request({ hostname: url.hostname, port: url.port, method: 'GET', path, headers });
    upstreamReq.setTimeout(10_000, () => upstreamReq.destroy(new Error('upgrade timed out')));
    socket.once('close', () => upstreamReq.destroy());
    upstreamReq.on('upgrade', (upRes, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2)
        lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upgrades.inc({ outcome: 'upgraded' });
      splice(socket, upSocket, inst.id, rule.service);
    });
    // Refused by the service (a cap, a bad `after`): its answer goes back as it is.
    upstreamReq.on('response', (upRes) => {
      upgrades.inc({ outcome: `refused_${upRes.statusCode}` });
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`, 'Connection: close'];
      for (const name of ['content-type', 'content-length', 'retry-after'])
        if (upRes.headers[name]) lines.push(`${name}: ${upRes.headers[name]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      upRes.pipe(socket);
    });
    upstreamReq.on('error', () => {
      pool.markFailed(inst.id, 'websocket upgrade failed');
      upgrades.inc({ outcome: 'upstream_error' });
      if (!socket.destroyed)
        answer(socket, 502, 'bad_gateway', `The ${rule.service} service did not answer`, requestId);
    });
    upstreamReq.end();
  }

  return {
    /** The public server's `upgrade` listener. */
    handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
      handle(req, socket, head).catch(() => socket.destroy());
    },
    /** Stops the sweep and closes every proxied socket. */
    close(): void {
      clearInterval(sweep);
      for (const sockets of byInstance.values()) for (const s of sockets) s.destroy();
    },
  };
}
export type Upgrades = ReturnType<typeof createUpgrades>;
