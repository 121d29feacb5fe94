import type http from 'node:http';

/*
 * Request framing, checked before anything is forwarded (issue 10, request smuggling). Node's parser
 * already refuses most ambiguous requests (Content-Length with Transfer-Encoding, duplicate or
 * listed Content-Length, obs-fold, a Transfer-Encoding not ending in chunked); what it lets through
 * and a service behind us could read differently is refused here. The gateway then sets the
 * framing of what it forwards itself: the Content-Length it read, or chunked.
 */

/** Methods whose requests carry no body here: a body on them is refused rather than forwarded. */
export const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Headers a `Connection` header may not name: dropping them as hop-by-hop would change the framing or the target. */
const PROTECTED_FROM_CONNECTION = new Set(['content-length', 'transfer-encoding', 'host']);

/** Why a request's framing cannot be trusted, or undefined when it is unambiguous. */
export function framingProblem(req: http.IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let contentLength = 0;
  let transferEncoding = 0;
  let host = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Cheap first test on the length; only the few candidates are lower-cased.
    if (name.length !== 4 && name.length !== 10 && name.length !== 14 && name.length !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') contentLength++;
    else if (lower === 'transfer-encoding') {
      transferEncoding++;
      if (raw[i + 1]!.trim().toLowerCase() !== 'chunked') return 'Transfer-Encoding must be exactly "chunked"';
    } else if (lower === 'host') host++;
    else if (lower === 'connection') {
      for (const token of raw[i + 1]!.split(','))
        if (PROTECTED_FROM_CONNECTION.has(token.trim().toLowerCase()))
          return `The Connection header may not name ${token.trim()}`;
    }
  }
  if (contentLength > 1) return 'Content-Length is sent more than once';
  if (transferEncoding > 1) return 'Transfer-Encoding is sent more than once';
  if (contentLength && transferEncoding) return 'Content-Length and Transfer-Encoding are both sent';
  if (transferEncoding && req.httpVersionMinor === 0) return 'Transfer-Encoding is not allowed in HTTP/1.0';
  if (host > 1) return 'Host is sent more than once';
  return undefined;
}

/** True when the request announces a body (a non-zero Content-Length, or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}
