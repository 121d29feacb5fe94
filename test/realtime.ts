/** A WebSocket client for tests (the `ws` package), as an app would hold one through the gateway. */
import WebSocket from 'ws';

export interface Received {
  id?: number;
  type: string;
  at?: string;
  data?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface TestSocket {
  ws: WebSocket;
  /** Every message received, in order. */
  messages: Received[];
  /** Events (messages with an id) received so far. */
  events(): Received[];
  /** Waits for a message matching `match` that arrived after index `from` (0: any). */
  next(match: (m: Received) => boolean, timeoutMs?: number, from?: number): Promise<Received>;
  send(message: unknown): void;
  /** Resolves with the close code and reason when the socket closes. */
  closed: Promise<{ code: number; reason: string; at: number }>;
  close(): Promise<void>;
}

export interface OpenOptions {
  token?: string;
  ticket?: string;
  after?: number;
  headers?: Record<string, string>;
}

/** The HTTP answer of a refused upgrade. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}

/**
 * Opens `GET /ws` on `baseUrl`; resolves once the server said hello, rejects with UpgradeRefused on a non-101
 * answer.
 */
export function openSocket(baseUrl: string, opts: OpenOptions = {}): Promise<TestSocket> {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  if (opts.ticket) url.searchParams.set('ticket', opts.ticket);
  if (opts.after !== undefined) url.searchParams.set('after', String(opts.after));
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const ws = new WebSocket(url, { headers });
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Received);
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  const socket: TestSocket = {
    ws,
    messages,
    events: () => messages.filter((m) => typeof m.id === 'number'),
    next(match, timeoutMs = 5_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(from))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
    });
    ws.once('error', reject);
    ws.once('open', () => {
      socket.next((m) => m.type === 'hello', 5_000).then(() => resolve(socket), reject);
    });
  });
}

/** Subscribes and waits for the answer (`subscribed` or an error). */
export async function subscribe(s: TestSocket, topic: 'clinic' | 'availability', clinicId: string): Promise<Received> {
  const from = s.messages.length;
  s.send({ type: 'subscribe', topic, clinicId });
  return s.next((m) => m.type === 'subscribed' || m.type === 'error', 5_000, from);
}

/** Waits `ms` (to show that nothing more arrives). */
export const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));
