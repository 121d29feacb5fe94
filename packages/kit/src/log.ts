import { pino, type Logger } from 'pino';

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

/** The service's root logger: JSON lines, level from LOG_LEVEL. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
