import { problem, type ApiRouter } from '@petpro/kit';
import { Accepted } from '../accounts/accounts.schemas.ts';
import { requestMeta } from '../shared/request-meta.ts';
import type { RecoveryService } from './recovery.service.ts';
import { RecoveryCompleteBody, RecoveryScheduledSchema, RecoveryStartBody } from './mfa.schemas.ts';

const tags = ['auth'];

/** Account recovery when the second factor is lost. */
export function recoveryRoutes(api: ApiRouter, deps: { recovery: RecoveryService }): void {
  const { recovery } = deps;
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/recovery/start',
      summary: 'Lost the second factor: with the password, mail a recovery link',
      tags,
      body: RecoveryStartBody,
      responses: {
        202: { description: 'Accepted (a link is mailed when the account has MFA on)', schema: Accepted },
        401: problem('`invalid_credentials`'),
        429: problem('`account_locked`, `too_many_attempts`'),
      },
    },
    async (req, reply) => {
      await recovery.start(req.valid.body.email, req.valid.body.password, requestMeta(req));
      return reply(202, {
        status: 'accepted',
        message: 'If the account has a second factor, a recovery link is on its way to its email address.',
      });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/recovery/complete',
      summary: 'Confirm the recovery with the mailed token: the second factor is removed after a delay',
      tags,
      body: RecoveryCompleteBody,
      responses: {
        202: {
          description: 'Removal scheduled (cancelled by a login with a second factor)',
          schema: RecoveryScheduledSchema,
        },
        400: problem('`invalid_token`'),
      },
    },
    async (req, reply) => {
      const { executeAfter } = await recovery.complete(req.valid.body.token, requestMeta(req));
      return reply(202, { status: 'scheduled', executeAfter: executeAfter.toISOString() });
    },
  );
}
