import type { LocatedSession } from './sessions.service.ts';
import type { SessionView } from './sessions.schemas.ts';

/**
 * One of the user's sessions; `current` marks the one asking, `expiresAt` is the earlier of idle and absolute
 * expiry.
 */
export function toSessionView(s: LocatedSession, currentId: string | null): SessionView {
  return {
    id: s.id,
    current: s.id === currentId,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    expiresAt: new Date(Math.min(s.idleExpiresAt.getTime(), s.expiresAt.getTime())).toISOString(),
    ip: s.ip,
    userAgent: s.userAgent,
    browser: s.browser,
    os: s.os,
    device: s.device,
    deviceId: s.deviceId,
    fingerprint: s.fingerprint,
    location: s.location,
  };
}
