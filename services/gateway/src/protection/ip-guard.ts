import type { RequestHandler } from 'express';
import { AppError } from '@petpro/kit';
import type { CidrSet } from './cidr.ts';
import { identifyClient } from './client-ip.ts';
import type { BlockVerdict, IpBlockService } from './ip-blocks.service.ts';

/** 403 for a blocked client; says until when when the block is temporary. */
export class IpBlockedError extends AppError {
  constructor(verdict: BlockVerdict) {
    const expiresAt = verdict.source === 'static' ? undefined : verdict.expiresAt;
    super(403, 'ip_blocked', 'Requests from your network are blocked', expiresAt ? { expiresAt } : {});
  }
}

/**
 * The first protection step (right after the request id): works out the client's IP once for
 * every later step and refuses a blocked client before any other work is done.
 */
export function ipGuard(trusted: CidrSet, blocks: IpBlockService): RequestHandler {
  return (req, res, next) => {
    const client = identifyClient(req, trusted);
    // No address means the socket is already gone: there is nobody to answer.
    if (!client) {
      res.destroy();
      return;
    }
    req.clientIdentity = client;
    const verdict = blocks.check(client.addr);
    if (verdict) return next(new IpBlockedError(verdict));
    next();
  };
}
