import type { RequestHandler } from 'express';
import { ApiRouter, NotFoundError, z, type OpenAPIRegistry } from '@petpro/kit';
import type { SessionsRepository, SessionRecord } from './sessions.repository.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { requestMeta } from '../shared/request-meta.ts';

export const SessionSchema = z
  .object({
    id: z.uuid(),
    current: z.boolean(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    device: z.string().nullable(),
    deviceId: z.string().nullable(),
    fingerprint: z.string().nullable(),
  })
  .openapi('Session');

export function toSessionView(s: SessionRecord, currentId: string) {
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
  };
}

/** A user's own sessions: list, revoke one, revoke all others. */
export function sessionsRoutes(
  openapi: OpenAPIRegistry,
  sessions: SessionsRepository,
  audit: AuditRepository,
  auth: RequestHandler,
) {
  const api = new ApiRouter(openapi, '/api/v1/auth');
  const tags = ['auth'];
  api.route(
    {
      method: 'get',
      path: '/sessions',
      summary: 'My active sessions with device information',
      tags,
      auth: true,
      responses: { 200: { description: 'Sessions', schema: z.object({ items: z.array(SessionSchema) }) } },
    },
    auth,
    async (req, res) => {
      const items = await sessions.listActive(req.principal!.userId);
      res.json({ items: items.map((s) => toSessionView(s, req.principal!.sessionId)) });
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/sessions/{id}',
      summary: 'Revoke one of my sessions',
      tags,
      auth: true,
      params: z.object({ id: z.uuid() }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such session of mine' } },
    },
    auth,
    async (req, res) => {
      const revoked = await sessions.revoke(
        { userId: req.principal!.userId, sessionId: req.valid.params.id },
        'user_revoked',
      );
      if (!revoked.length) throw new NotFoundError('session_not_found', 'No such active session');
      await audit.record({
        type: 'session_revoked',
        actorId: req.principal!.userId,
        targetId: req.principal!.userId,
        ip: requestMeta(req).ip,
        detail: { sessionId: req.valid.params.id },
      });
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/sessions',
      summary: 'Revoke all my other sessions',
      tags,
      auth: true,
      responses: { 200: { description: 'How many were revoked', schema: z.object({ revoked: z.number().int() }) } },
    },
    auth,
    async (req, res) => {
      const revoked = await sessions.revoke(
        { userId: req.principal!.userId, exceptSessionId: req.principal!.sessionId },
        'user_revoked_others',
      );
      await audit.record({
        type: 'session_revoked',
        actorId: req.principal!.userId,
        targetId: req.principal!.userId,
        ip: requestMeta(req).ip,
        detail: { count: revoked.length, others: true },
      });
      res.json({ revoked: revoked.length });
    },
  );
  return api;
}
