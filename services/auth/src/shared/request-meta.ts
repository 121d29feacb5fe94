import type { Request } from 'express';
import type { Language } from '@petpro/kit';
import type { RequestMeta } from '../accounts/accounts.service.ts';

/**
 * The caller's IP, user agent and language. Services sit behind the gateway, which replaces any
 * client-sent X-Forwarded-For with the address it saw, so the first entry is the client.
 */
export function requestMeta(req: Request): RequestMeta {
  const fwd = req.headers['x-forwarded-for'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
  const ip = first || req.socket.remoteAddress || undefined;
  const al = String(req.headers['accept-language'] ?? '').toLowerCase();
  const language: Language = al.startsWith('en') ? 'en' : 'id';
  return { ip, userAgent: req.headers['user-agent'], language };
}
