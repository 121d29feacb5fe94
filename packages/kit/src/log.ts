import { pino, type Logger } from 'pino';
import { currentRequestId } from './context.ts';

export type { Logger };

/** Paths never written to logs: credentials, tokens and passwords wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-service-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  '*.secret',
];

/** Query parameters whose values are secrets (mailed one-time tokens, OAuth codes): never logged. */
const SECRET_QUERY_PARAM = /^(token|code|access_token|refresh_token|id_token|refreshToken|accessToken)(\[.*\])?$/i;

/**
 * A request URL fit for a log line: the values of secret query parameters (`?token=` of a
 * verification or reset link, OAuth `code`) replaced by `[redacted]`, the rest kept as sent.
 */
export function redactUrl(url: string | undefined): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (!url || q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* keep the raw name */
      }
      return SECRET_QUERY_PARAM.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

/**
 * The service's root logger: JSON lines, level from LOG_LEVEL. `buffered` (the gateway, which
 * writes a line per request) collects lines into 4 KiB writes instead of one write per line; they
 * are flushed at exit (`flushLogger`) and at least every second. `destination`: elsewhere than stdout (tests).
 */
export function createLogger(
  service: string,
  level = 'info',
  opts: { buffered?: boolean; destination?: pino.DestinationStream } = {},
): Logger {
  const options = {
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Every line written while serving a request names it.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (!opts.buffered) return pino(options);
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4_096 });
  const timer = setInterval(() => destination.flush(), 1_000);
  timer.unref();
  return pino(options, destination);
}

/** Writes out what a buffered logger still holds (before process.exit). */
export function flushLogger(log: Logger): void {
  const stream = (log as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    /* nothing buffered, or the stream is gone */
  }
}
