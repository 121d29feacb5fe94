/** A path that may differ from its normal form (or is not a path at all). */
const NEEDS_WORK = /%|\\|\/\/|\/\.|.\/$|^[^/]|^$/;

/**
 * The path the gateway reasons about: percent-decoded once (an encoded `/` counts as a separator),
 * duplicate slashes collapsed, dot segments resolved, trailing slash dropped. Route rules and limits
 * apply to this form, so `//api/v1/auth/login`, `/api/v1/auth%2Flogin` and `/api/v1/auth/login/`
 * are one route. Returns undefined for a path that cannot be decoded.
 */
export function normalisePath(rawPath: string): string | undefined {
  // Most paths are already in normal form: nothing encoded, no empty, dot or trailing segment.
  if (!NEEDS_WORK.test(rawPath)) return rawPath;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const out: string[] = [];
  for (const seg of decoded.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/**
 * The path forwarded upstream for a matched rule: the rule's own prefix followed by the rest of the
 * normalised path, each segment percent-encoded again, so the service sees exactly what was routed.
 */
export function forwardPath(normalised: string, prefix: string): string {
  const rest = normalised.slice(prefix.length);
  const encoded = rest
    .split('/')
    .map((seg) => (seg === '' ? '' : encodeURIComponent(seg).replace(/%40/g, '@').replace(/%3A/gi, ':')))
    .join('/');
  return `${prefix}${encoded}`;
}

/** The lower-cased normalised path, used to match rules (route prefixes are lower-case). */
export function routeKey(rawPath: string): string | undefined {
  return normalisePath(rawPath)?.toLowerCase();
}
