import { problem, requireAuth, requirePermission, z, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { TokensSchema } from '../accounts/accounts.schemas.ts';
import { requestMeta } from '../shared/request-meta.ts';
import type { MfaService } from './mfa.service.ts';
import {
  BackupCodesSchema,
  CodeBody,
  MfaStateSchema,
  MfaTokenBody,
  PhoneBody,
  SentSchema,
  StepUpHeaders,
  TotpSetupSchema,
  VerifyBody,
} from './mfa.schemas.ts';
import { stepUpProofOf, toMfaStateView } from './mfa.view.ts';
import { toTokensView } from '../accounts/accounts.view.ts';

const tags = ['auth'];
const stepUp = problem('`mfa_required` (with `methods`): send a second-factor code; `invalid_mfa_code`');
const locked = problem('`account_locked` (wrong codes count toward the lockout) or `too_many_attempts`');
const sent = (message: string) => ({ status: 'sent' as const, message });

/** Second factors: setup, login challenge, backup codes, step-up texts, and the admin reset. */
export function mfaRoutes(
  api: ApiRouter,
  deps: { verifier: AccessTokenVerifier; mfa: MfaService; accounts: AccountsService },
): void {
  const { mfa, accounts } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/totp/setup',
      summary: 'Start the authenticator-app setup: a new secret, its otpauth URI and a QR code',
      tags,
      auth: true,
      headers: StepUpHeaders,
      responses: {
        200: { description: 'The secret (shown once; confirm with .../totp/enable)', schema: TotpSetupSchema },
        403: stepUp,
        409: problem('`totp_already_enabled`'),
      },
    },
    auth,
    async (req, reply) => {
      const proof = stepUpProofOf(req.valid.headers);
      return reply(200, await mfa.setupTotp(req.principal!, proof, requestMeta(req).ip));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/totp/enable',
      summary: 'Turn the authenticator app on with a code from it',
      tags,
      auth: true,
      body: CodeBody,
      responses: {
        200: { description: 'MFA state', schema: MfaStateSchema },
        400: problem('`invalid_code`'),
        409: problem('`totp_not_pending`: no setup started'),
        429: locked,
      },
    },
    auth,
    async (req, reply) => {
      const state = await mfa.enableTotp(req.principal!, req.valid.body.code, requestMeta(req).ip);
      return reply(200, toMfaStateView(state));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/auth/mfa/totp',
      summary: 'Turn the authenticator app off (needs one of its codes)',
      tags,
      auth: true,
      body: CodeBody,
      responses: {
        200: { description: 'MFA state', schema: MfaStateSchema },
        403: problem('`invalid_mfa_code`'),
        409: problem('`totp_not_enabled`'),
        429: locked,
      },
    },
    auth,
    async (req, reply) => {
      const state = await mfa.disableTotp(req.principal!, req.valid.body.code, requestMeta(req).ip);
      return reply(200, toMfaStateView(state));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/sms/setup',
      summary: 'Text a code to a phone (E.164) to make it a second factor',
      tags,
      auth: true,
      body: PhoneBody,
      headers: StepUpHeaders,
      responses: {
        202: { description: 'Texted; confirm with .../sms/enable', schema: SentSchema },
        403: stepUp,
        422: problem('`phone_rejected` by the SMS provider'),
        429: problem('`sms_cooldown` (one a minute), `sms_limit_reached` (per phone, per account)'),
        503: problem('`sms_unavailable`'),
      },
    },
    auth,
    async (req, reply) => {
      const proof = stepUpProofOf(req.valid.headers);
      await mfa.setupSms(req.principal!, req.valid.body.phone, proof, requestMeta(req).ip);
      return reply(202, sent('A code is on its way to the phone.'));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/sms/enable',
      summary: 'Confirm the phone with the texted code',
      tags,
      auth: true,
      body: CodeBody,
      responses: {
        200: { description: 'MFA state', schema: MfaStateSchema },
        400: problem('`invalid_code` (wrong, expired, or tried 5 times)'),
        429: locked,
      },
    },
    auth,
    async (req, reply) => {
      const state = await mfa.enableSms(req.principal!, req.valid.body.code, requestMeta(req).ip);
      return reply(200, toMfaStateView(state));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/sms/send',
      summary: 'Text a login code to the confirmed phone of an MFA challenge',
      tags,
      body: MfaTokenBody,
      responses: {
        202: { description: 'Texted', schema: SentSchema },
        401: problem('`invalid_mfa_token`'),
        409: problem('`sms_not_enabled`'),
        429: problem('`sms_cooldown`, `sms_limit_reached`'),
        503: problem('`sms_unavailable`'),
      },
    },
    async (req, reply) => {
      await mfa.textLoginCode(req.valid.body.mfaToken);
      return reply(202, sent('A code is on its way to your phone.'));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/sms/step-up',
      summary: 'Text a code for a sensitive change (send it as X-MFA-Method: sms, X-MFA-Code)',
      tags,
      auth: true,
      responses: {
        202: { description: 'Texted', schema: SentSchema },
        409: problem('`sms_not_enabled`'),
        429: problem('`sms_cooldown`, `sms_limit_reached`'),
        503: problem('`sms_unavailable`'),
      },
    },
    auth,
    async (req, reply) => {
      await mfa.textStepUpCode(req.principal!);
      return reply(202, sent('A code is on its way to your phone.'));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/verify',
      summary: 'Meet the second-factor challenge of a login: the tokens',
      tags,
      body: VerifyBody,
      responses: {
        200: { description: 'Tokens', schema: TokensSchema },
        401: problem('`invalid_code`; `invalid_mfa_token` (used, expired, or the password changed)'),
        429: locked,
      },
    },
    async (req, reply) => {
      const out = await accounts.completeSecondFactor(req.valid.body, requestMeta(req));
      return reply(200, toTokensView(out.tokens, out.user));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/mfa/backup-codes',
      summary: 'A new set of 10 single-use backup codes (shown once; the old set dies); needs a second-factor code',
      tags,
      auth: true,
      headers: StepUpHeaders,
      responses: {
        201: { description: 'The codes', schema: BackupCodesSchema },
        403: stepUp,
        409: problem('`mfa_not_enabled`'),
      },
    },
    auth,
    async (req, reply) => {
      const proof = stepUpProofOf(req.valid.headers);
      return reply(201, { codes: await mfa.newBackupCodes(req.principal!, proof, requestMeta(req).ip) });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/users/{id}/mfa/reset',
      summary: "Remove a user's second factors at once (audited; the user is mailed)",
      tags: ['admin'],
      auth: true,
      params: z.object({ id: z.uuid() }),
      responses: { 204: { description: 'Reset' }, 403: problem('Not an admin'), 404: problem('`user_not_found`') },
    },
    auth,
    requirePermission('admin:users'),
    async (req, reply) => {
      await mfa.adminReset(req.principal!, req.valid.params.id, requestMeta(req).ip);
      return reply(204);
    },
  );
}
