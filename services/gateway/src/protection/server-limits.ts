import http from 'node:http';
import type { Duplex } from 'node:stream';
import { problemBody, type Logger } from '@petpro/kit';
import { securityHeaderLines } from '../proxy/answer.ts';

/** Node's parser errors about where a request body ends (request smuggling attempts among them). */
const FRAMING_ERRORS = new Set([
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_STRICT',
]);

export interface ServerLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
}

/**
 * Options for http.createServer: the header size cap (Node answers 431 past it) and how often idle
 * and slow connections are checked against the timeouts (Node's default, 30 s, would let a
 * slowloris client hold a socket long after its header deadline).
 */
export function serverOptions(limits: ServerLimits): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Applies the timeouts to a server that already exists (they are read on every check) and answers
 * malformed, oversized or too-slow requests with problem+json and the security headers instead of
 * Node's bare default. The header size cap and check interval only take effect through
 * serverOptions at creation.
 */
export function applyServerLimits(server: http.Server, limits: ServerLimits, log: Logger): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  const securityHeaders = securityHeaderLines();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own rule: answer only when no response on this socket has started, else just close.
    const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, detail] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'The request was not received in time']
          : err.code !== undefined && FRAMING_ERRORS.has(err.code)
            ? [400, 'invalid_framing', 'The request framing is ambiguous or invalid']
            : [400, 'bad_request', 'The request could not be parsed'];
    if (status === 408)
      log.info({ remote: (socket as Duplex & { remoteAddress?: string }).remoteAddress }, 'slow client cut off');
    const body = JSON.stringify(problemBody(status, code, detail));
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${securityHeaders}\r\n${body}`,
    );
  });
}
