import type { Request, RequestHandler } from 'express';
import { ApiRouter, type OpenAPIRegistry } from '@petpro/kit';
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
  TokenBody,
  TokensSchema,
  UserSchema,
} from './accounts.schemas.ts';
import { requestMeta } from '../shared/request-meta.ts';
import { LoginAnswerSchema, StepUpHeaders } from '../mfa/mfa.schemas.ts';
import { stepUpProofOf, toLoginView } from '../mfa/mfa.view.ts';

/** The step-up headers of a request under their documented names (an untyped route reads them itself). */
function headersOf(req: Request) {
  return { 'X-MFA-Method': req.get('x-mfa-method'), 'X-MFA-Code': req.get('x-mfa-code') };
}

const accepted = (message: string) => ({ status: 'accepted' as const, message });

/** Account and token endpoints under /api/v1/auth. */
export function accountsRoutes(openapi: OpenAPIRegistry, service: AccountsService, auth: RequestHandler) {
  const api = new ApiRouter(openapi, '/api/v1/auth');
  const tags = ['auth'];

  api.route(
    {
      method: 'post',
      path: '/register',
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
    async (req, res) => {
      res.status(201).json(await service.register(req.valid.body, requestMeta(req)));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/verify-email',
      summary: 'Confirm the email address with the mailed token',
      tags,
      body: TokenBody,
      responses: { 200: { description: 'Verified' } },
    },
    async (req, res) => {
      await service.verifyEmail(req.valid.body.token);
      res.json({ status: 'verified' });
    },
  );
  // The mailed link opens this directly; it does the same as the POST.
  api.route(
    {
      method: 'get',
      path: '/verify-email',
      summary: 'Confirm the email address from the mailed link',
      tags,
      query: TokenBody,
      responses: { 200: { description: 'Verified' } },
    },
    async (req, res) => {
      await service.verifyEmail(req.valid.query.token);
      res.json({ status: 'verified' });
    },
  );
  api.route(
    {
      method: 'post',
      path: '/resend-verification',
      summary: 'Send the verification link again',
      tags,
      body: EmailBody,
      responses: { 202: { description: 'Always accepted', schema: Accepted } },
    },
    async (req, res) => {
      await service.resendVerification(req.valid.body.email, requestMeta(req));
      res.status(202).json(accepted('If the address has an unverified account, a new link is on its way.'));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/login',
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
    async (req, res) => {
      res.json(toLoginView(await service.login(req.valid.body, requestMeta(req))));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/refresh',
      summary: 'Trade a refresh token for a new pair (the old one dies)',
      tags,
      body: RefreshBody,
      responses: {
        200: { description: 'New tokens', schema: TokensSchema },
        401: { description: 'Invalid, reused (session revoked) or expired' },
      },
    },
    async (req, res) => {
      const { sessionId: _sid, ...pair } = await service.refresh(req.valid.body.refreshToken, requestMeta(req));
      res.json(pair);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/logout',
      summary: 'Revoke the current session',
      tags,
      auth: true,
      responses: { 204: { description: 'Logged out' } },
    },
    auth,
    async (req, res) => {
      await service.logout(req.principal!, requestMeta(req));
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'post',
      path: '/password/forgot',
      summary: 'Mail a password reset link',
      tags,
      body: EmailBody,
      responses: { 202: { description: 'Always accepted', schema: Accepted } },
    },
    async (req, res) => {
      await service.forgotPassword(req.valid.body.email, requestMeta(req));
      res.status(202).json(accepted('If the address has an account, a reset link is on its way.'));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/password/reset',
      summary: 'Set a new password with the mailed token; every session is revoked',
      tags,
      body: ResetBody,
      responses: { 204: { description: 'Password set' } },
    },
    async (req, res) => {
      await service.resetPassword(req.valid.body.token, req.valid.body.password, requestMeta(req));
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'post',
      path: '/password/change',
      summary:
        'Change the password (needs the current one and, with MFA on, X-MFA-Method/X-MFA-Code); other sessions are revoked',
      tags,
      auth: true,
      body: ChangeBody,
      responses: {
        204: { description: 'Changed' },
        403: { description: '`mfa_required` (with `methods`), `invalid_mfa_code`' },
      },
    },
    auth,
    async (req, res) => {
      await service.changePassword(
        req.principal!,
        req.valid.body.currentPassword,
        req.valid.body.newPassword,
        requestMeta(req),
        stepUpProofOf(StepUpHeaders.parse(headersOf(req))),
      );
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'get',
      path: '/me',
      summary: 'The logged-in user with roles, permissions, MFA state and linked providers',
      tags,
      auth: true,
      responses: { 200: { description: 'Me', schema: MeSchema } },
    },
    auth,
    async (req, res) => {
      res.json(await service.me(req.principal!));
    },
  );
  return api;
}
