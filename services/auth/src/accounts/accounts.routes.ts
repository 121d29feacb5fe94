import { ProblemSchema, requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { AccountsService } from './accounts.service.ts';
import {
  Accepted,
  ChangeBody,
  EmailBody,
  LoginBody,
  MeSchema,
  RefreshBody,
  RegisterBody,
  ResetBody,
  SearchUsersQuery,
  TokenBody,
  TokensSchema,
  UserPage,
  UserSchema,
  VerifiedSchema,
} from './accounts.schemas.ts';
import { toMeView, toTokensView, toUserView } from './accounts.view.ts';
import { requestMeta } from '../shared/request-meta.ts';
import { LoginAnswerSchema, StepUpHeaders } from '../mfa/mfa.schemas.ts';
import { stepUpProofOf, toLoginView } from '../mfa/mfa.view.ts';

const tags = ['auth'];
const accepted = (message: string) => ({ status: 'accepted' as const, message });

/** Accounts and tokens: registration, verification, login, refresh, logout, passwords, me; the admin's user search. */
export function accountsRoutes(api: ApiRouter, deps: { accounts: AccountsService; verifier: AccessTokenVerifier }) {
  const { accounts } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Create an account; a verification link is emailed',
      tags,
      body: RegisterBody,
      responses: {
        201: {
          description: 'The account (same answer whether or not the email was already registered)',
          schema: UserSchema,
        },
        429: { description: 'Too many attempts' },
      },
    },
    async (req, reply) => reply(201, toUserView(await accounts.register(req.valid.body, requestMeta(req)))),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/verify-email',
      summary: 'Confirm the email address with the mailed token',
      tags,
      body: TokenBody,
      responses: { 200: { description: 'Verified', schema: VerifiedSchema } },
    },
    async (req, reply) => {
      await accounts.verifyEmail(req.valid.body.token);
      return reply(200, { status: 'verified' });
    },
  );
  // The mailed link opens this directly; it does the same as the POST.
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/verify-email',
      summary: 'Confirm the email address from the mailed link',
      tags,
      query: TokenBody,
      responses: { 200: { description: 'Verified', schema: VerifiedSchema } },
    },
    async (req, reply) => {
      await accounts.verifyEmail(req.valid.query.token);
      return reply(200, { status: 'verified' });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/resend-verification',
      summary: 'Send the verification link again',
      tags,
      body: EmailBody,
      responses: { 202: { description: 'Always accepted', schema: Accepted } },
    },
    async (req, reply) => {
      await accounts.resendVerification(req.valid.body.email, requestMeta(req));
      return reply(202, accepted('If the address has an unverified account, a new link is on its way.'));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Log in with email and password',
      tags,
      body: LoginBody,
      responses: {
        200: { description: 'Tokens (or, with MFA, a challenge)', schema: LoginAnswerSchema },
        401: { description: 'Wrong email or password' },
        403: { description: 'email_not_verified' },
        429: { description: 'Locked or throttled (Retry-After)' },
      },
    },
    async (req, reply) => {
      return reply(200, toLoginView(await accounts.login(req.valid.body, requestMeta(req))));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/refresh',
      summary: 'Trade a refresh token for a new pair (the old one dies)',
      tags,
      body: RefreshBody,
      responses: {
        200: { description: 'New tokens', schema: TokensSchema },
        401: { description: 'Invalid, reused (session revoked) or expired' },
      },
    },
    async (req, reply) =>
      reply(200, toTokensView(await accounts.refresh(req.valid.body.refreshToken, requestMeta(req)))),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Revoke the current session',
      tags,
      auth: true,
      responses: { 204: { description: 'Logged out' } },
    },
    auth,
    async (req, reply) => {
      await accounts.logout(req.principal!, requestMeta(req));
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/password/forgot',
      summary: 'Mail a password reset link',
      tags,
      body: EmailBody,
      responses: { 202: { description: 'Always accepted', schema: Accepted } },
    },
    async (req, reply) => {
      await accounts.forgotPassword(req.valid.body.email, requestMeta(req));
      return reply(202, accepted('If the address has an account, a reset link is on its way.'));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/password/reset',
      summary: 'Set a new password with the mailed token; every session is revoked',
      tags,
      body: ResetBody,
      responses: { 204: { description: 'Password set' } },
    },
    async (req, reply) => {
      await accounts.resetPassword(req.valid.body.token, req.valid.body.password, requestMeta(req));
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/password/change',
      summary:
        'Change the password (needs the current one and, with MFA on, a second-factor code); ' +
        'other sessions are revoked',
      tags,
      auth: true,
      body: ChangeBody,
      headers: StepUpHeaders,
      responses: {
        204: { description: 'Changed' },
        403: { description: '`mfa_required` (with `methods`), `invalid_mfa_code`', schema: ProblemSchema },
      },
    },
    auth,
    async (req, reply) => {
      const { currentPassword, newPassword } = req.valid.body;
      const proof = stepUpProofOf(req.valid.headers);
      await accounts.changePassword(req.principal!, currentPassword, newPassword, requestMeta(req), proof);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'The logged-in user with roles, permissions, MFA state and linked providers',
      tags,
      auth: true,
      responses: { 200: { description: 'Me', schema: MeSchema } },
    },
    auth,
    async (req, reply) => reply(200, toMeView(await accounts.findMe(req.principal!))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/users',
      summary: 'Find users by email (prefix)',
      tags: ['admin'],
      auth: true,
      query: SearchUsersQuery,
      responses: { 200: { description: 'Users', schema: UserPage } },
    },
    auth,
    requirePermission('admin:users'),
    async (req, reply) => {
      const page = await accounts.searchPage(req.valid.query);
      return reply(200, { items: page.items.map(toUserView), nextCursor: page.nextCursor });
    },
  );
}
