import type http from 'node:http';
import { type AppError, problemBody } from '@petpro/kit';
import helmet from 'helmet';

/** The gateway's security headers (helmet), one definition for Express answers and raw ones. */
export function gatewayHelmet() {
  return helmet({ contentSecurityPolicy: { useDefaults: true } });
}

/** The headers helmet sets, captured once as a flat `[name, value, …]` list for answers written without Express. */
function captureHelmet(): string[] {
  const headers = new Map<string, string>();
  const fakeRes = {
    setHeader: (k: string, v: string | number | string[]) =>
      headers.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)),
    removeHeader: (k: string) => headers.delete(k.toLowerCase()),
    getHeader: (k: string) => headers.get(k.toLowerCase()),
  };
  gatewayHelmet()({} as http.IncomingMessage, fakeRes as unknown as http.ServerResponse, () => {});
  return [...headers].flat();
}

/** Security headers on every answer the gateway writes or passes on (a service's own value wins). */
export const SECURITY_HEADERS: readonly string[] = captureHelmet();

/** The security headers as raw lines, for answers written straight to a socket. */
export function securityHeaderLines(): string {
  let out = '';
  for (let i = 0; i < SECURITY_HEADERS.length; i += 2) out += `${SECURITY_HEADERS[i]}: ${SECURITY_HEADERS[i + 1]}\r\n`;
  return out;
}

/**
 * Writes an AppError as problem+json with the security headers, the request id and `extra` (a flat
 * header list: CORS, RateLimit). `close` ends the connection after the answer.
 */
export function writeProblem(
  res: http.ServerResponse,
  err: AppError,
  requestId: string,
  extra: readonly string[],
  close = false,
): void {
  const body = JSON.stringify(problemBody(err.status, err.code, err.message, { ...err.extra, requestId }));
  const headers = [
    ...SECURITY_HEADERS,
    ...extra,
    'content-type',
    'application/problem+json',
    'content-length',
    String(Buffer.byteLength(body)),
    'x-request-id',
    requestId,
  ];
  if (err.extra.retryAfterSeconds !== undefined)
    headers.push('retry-after', String(Math.max(1, Math.ceil(err.extra.retryAfterSeconds))));
  if (close) headers.push('connection', 'close');
  res.writeHead(err.status, headers).end(body);
}

/** How much of an unwanted body is read and thrown away before answering (nginx's lingering close). */
export const LINGER = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * Reads and discards the rest of a request body, for a bounded time and size, then calls `answer`.
 * Answering while the client is still sending and then closing makes its TCP stack see a reset
 * before it reads the answer (Node's fetch gets EPIPE instead of the 413); a body past the bounds is
 * cut off after the answer.
 */
export function drainThenAnswer(req: http.IncomingMessage, answer: () => void, bounds = LINGER): void {
  if (req.complete || req.readableEnded || req.destroyed) {
    answer();
    return;
  }
  let received = 0;
  let done = false;
  const finish = (cut: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    answer();
    if (cut) req.socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > bounds.maxBytes) finish(true);
  };
  const onEnd = () => finish(false);
  const timer = setTimeout(() => finish(true), bounds.maxMs);
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('close', () => finish(false));
  req.resume();
}
