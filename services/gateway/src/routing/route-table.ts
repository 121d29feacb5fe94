/**
 * The gateway's route table as data: which service owns a path prefix, and who may call it.
 * Paths are matched after normalisation (see normalise-path.ts). The first matching rule wins,
 * so more specific prefixes come first.
 */
import { ADMIN_ROLE } from '@petpro/kit';

export type Access =
  | { kind: 'public' }
  | { kind: 'auth' }
  | { kind: 'role'; role: string }
  | { kind: 'permission'; permission: string };

export interface RouteRule {
  /** Path prefix, matched on segment boundaries. */
  prefix: string;
  /** The upstream service, or `gateway` for routes the gateway answers itself. */
  service: 'auth' | 'user' | 'clinic' | 'booking' | 'gateway';
  /** Access by method; `*` is the default for methods not listed. */
  access: Partial<Record<string, Access>> & { '*': Access };
  /** Body class: which body size limit applies (issue: gateway protection). */
  bodyClass?: 'json' | 'upload';
  /** Rate-limit class. */
  limitClass?: 'auth' | 'default';
  /** Accepts WebSocket upgrades. Only such routes are proxied as upgrades: any other path is HTTP only. */
  websocket?: boolean;
}

const PUBLIC: Access = { kind: 'public' };
const AUTH: Access = { kind: 'auth' };
const ADMIN: Access = { kind: 'role', role: ADMIN_ROLE };

export const ROUTES: RouteRule[] = [
  // Auth service: public entry points, then everything else needs a token.
  ...[
    'register',
    'verify-email',
    'resend-verification',
    'login',
    'refresh',
    'password/forgot',
    'password/reset',
    'mfa/verify',
    'mfa/sms/send',
    'recovery',
    'oauth',
  ].map(
    (p): RouteRule => ({ prefix: `/api/v1/auth/${p}`, service: 'auth', access: { '*': PUBLIC }, limitClass: 'auth' }),
  ),
  { prefix: '/api/v1/auth', service: 'auth', access: { '*': AUTH } },
  { prefix: '/.well-known/jwks.json', service: 'auth', access: { '*': PUBLIC } },
  // The pages mail links open when there is no client app (PUBLIC_APP_URL).
  { prefix: '/verify-email', service: 'auth', access: { '*': PUBLIC }, limitClass: 'auth' },
  { prefix: '/reset-password', service: 'auth', access: { '*': PUBLIC }, limitClass: 'auth' },
  { prefix: '/api/v1/admin/roles', service: 'auth', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/permissions', service: 'auth', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/users', service: 'auth', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/audit', service: 'auth', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/keys', service: 'auth', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/onboarding', service: 'clinic', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/services', service: 'gateway', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/ip-blocks', service: 'gateway', access: { '*': ADMIN } },
  { prefix: '/api/v1/admin/reminders', service: 'booking', access: { '*': ADMIN } },
  // The gateway's own documents. Its registry and metrics are on the internal listener only, and
  // /internal/* has no rule here: 404 on the public port.
  { prefix: '/openapi.json', service: 'gateway', access: { '*': PUBLIC } },
  { prefix: '/docs', service: 'gateway', access: { '*': PUBLIC } },
  // User service.
  { prefix: '/api/v1/users', service: 'user', access: { '*': AUTH }, bodyClass: 'upload' },
  { prefix: '/api/v1/pets', service: 'user', access: { '*': AUTH }, bodyClass: 'upload' },
  { prefix: '/api/v1/media/user', service: 'user', access: { '*': PUBLIC } },
  { prefix: '/api/v1/push', service: 'user', access: { '*': PUBLIC } },
  // Clinic service: reading clinics is public, writing needs a token (ownership is the service's check).
  {
    prefix: '/api/v1/clinics',
    service: 'clinic',
    access: { '*': AUTH, GET: PUBLIC, HEAD: PUBLIC },
    bodyClass: 'upload',
  },
  { prefix: '/api/v1/vendor', service: 'clinic', access: { '*': AUTH }, bodyClass: 'upload' },
  { prefix: '/api/v1/staff-invitations', service: 'clinic', access: { '*': AUTH } },
  { prefix: '/api/v1/media/clinic', service: 'clinic', access: { '*': PUBLIC } },
  // Booking service.
  { prefix: '/api/v1/availability', service: 'booking', access: { '*': PUBLIC } },
  { prefix: '/api/v1/schedules', service: 'booking', access: { '*': AUTH } },
  { prefix: '/api/v1/bookings', service: 'booking', access: { '*': AUTH } },
  { prefix: '/api/v1/notifications', service: 'booking', access: { '*': AUTH } },
  { prefix: '/api/v1/realtime', service: 'booking', access: { '*': AUTH } },
  // Upgrades only, authenticated in proxy/upgrades.ts (a token or a ticket) before they reach the service.
  { prefix: '/ws', service: 'booking', access: { '*': AUTH }, websocket: true },
];

export const UPSTREAMS = ['auth', 'user', 'clinic', 'booking'] as const;
export type Upstream = (typeof UPSTREAMS)[number];

/** Rules by prefix, built once: matching walks a path's own prefixes, longest first (a few Map lookups). */
const BY_PREFIX = new Map(ROUTES.map((r) => [r.prefix, r]));
/** The deepest prefix in the table, in segments: longer paths are cut to it before the walk. */
const MAX_DEPTH = Math.max(...ROUTES.map((r) => r.prefix.split('/').length - 1));

/**
 * The rule whose prefix matches `path` (lower-cased, normalised) on a segment boundary; the most
 * specific prefix wins.
 */
export function matchRoute(path: string): RouteRule | undefined {
  let end = path.length;
  // Start from the prefix of at most MAX_DEPTH segments.
  for (let depth = 0, i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) === 47 && ++depth > MAX_DEPTH) {
      end = i;
      break;
    }
  }
  for (;;) {
    const rule = BY_PREFIX.get(end === path.length ? path : path.slice(0, end));
    if (rule) return rule;
    end = path.lastIndexOf('/', end - 1);
    if (end <= 0) return undefined;
  }
}

/** The access rule of a route for a method. */
export function accessFor(rule: RouteRule, method: string): Access {
  return rule.access[method.toUpperCase()] ?? rule.access['*'];
}
