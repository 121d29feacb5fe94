import express, { type RequestHandler } from 'express';
import { problem, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import { LoginAnswerSchema } from '../mfa/mfa.schemas.ts';
import { toLoginView } from '../mfa/mfa.view.ts';
import { requestMeta } from '../shared/request-meta.ts';
import type { OAuthService } from './oauth.service.ts';
import { toIdentityView } from './oauth.view.ts';
import {
  CallbackFields,
  ExchangeBody,
  IdentitiesResponse,
  ProviderParams,
  ProvidersResponse,
  RedirectHeaders,
  StartAnswer,
  StartHeaders,
  StartQuery,
} from './oauth.schemas.ts';

const tags = ['auth'];

/** The provider's answer as URL parameters (only the fields the schema kept). */
function paramsOf(fields: CallbackFields): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') out.set(k, v);
  return out;
}

/** Social login (Google, Facebook, Apple) and the identities a user has linked. */
export function oauthRoutes(api: ApiRouter, deps: { oauth: OAuthService; verifier: AccessTokenVerifier }): void {
  const { oauth } = deps;
  const auth = requireAuth(deps.verifier);
  // The start is public; with link=true it needs the bearer token of the account to link to.
  const authIfToken: RequestHandler = (req, res, next) => (req.headers.authorization ? auth(req, res, next) : next());
  // Apple posts its answer as a small cross-site form (response_mode=form_post).
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/oauth/providers',
      summary: 'The social login providers that are enabled',
      tags,
      responses: { 200: { description: 'Enabled providers', schema: ProvidersResponse } },
    },
    async (_req, reply) => reply(200, { providers: oauth.enabledProviders() }),
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/oauth/{provider}/start',
      summary: 'Start a sign-in (or, with link=true and a token, a link) with a provider',
      tags,
      params: ProviderParams,
      query: StartQuery,
      headers: StartHeaders,
      responses: {
        200: {
          description: 'With `Accept: application/json` (a client app linking from a script): the provider URL',
          schema: StartAnswer,
        },
        302: { description: 'To the provider, with state, PKCE (S256) and a nonce', headers: RedirectHeaders },
        400: problem('`redirect_uri_not_allowed`: redirectUri is not on an allowed origin'),
        401: problem('link=true without a valid token'),
        404: problem('`provider_disabled`'),
        502: problem('`provider_unavailable`: the provider’s discovery failed'),
      },
    },
    authIfToken,
    async (req, reply) => {
      const location = await oauth.start(req.valid.params.provider, req.valid.query, req.principal, requestMeta(req));
      if (req.valid.headers.Accept?.includes('application/json')) return reply(200, { authorizationUrl: location });
      return reply(302, { Location: location, 'Cache-Control': 'no-store' });
    },
  );

  const callback = {
    summary: 'The provider’s answer: back to the client app with `code`, `linked` or `error`',
    tags,
    params: ProviderParams,
    responses: {
      302: {
        description: 'To redirectUri with `?code=` (sign-in), `?linked=` (link) or `?error=`',
        headers: RedirectHeaders,
      },
      400: problem('`invalid_state`: unknown, used, expired or another provider’s state'),
    },
  } as const;
  api.endpoint(
    { ...callback, method: 'get', path: '/api/v1/auth/oauth/{provider}/callback', query: CallbackFields },
    async (req, reply) => {
      const out = await oauth.callback(req.valid.params.provider, paramsOf(req.valid.query));
      return reply(302, { Location: out.location, 'Cache-Control': 'no-store' });
    },
  );
  api.endpoint(
    { ...callback, method: 'post', path: '/api/v1/auth/oauth/{provider}/callback', body: CallbackFields },
    form,
    async (req, reply) => {
      const out = await oauth.callback(req.valid.params.provider, paramsOf(req.valid.body));
      return reply(302, { Location: out.location, 'Cache-Control': 'no-store' });
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/auth/oauth/exchange',
      summary: 'Trade a sign-in’s one-time code for the login answer',
      tags,
      body: ExchangeBody,
      responses: {
        200: {
          description: 'Tokens, or for an account with a second factor `{mfaRequired, mfaToken, methods}`',
          schema: LoginAnswerSchema,
        },
        400: problem('`invalid_code`: unknown, used or older than 60 seconds'),
      },
    },
    async (req, reply) => {
      return reply(200, toLoginView(await oauth.exchange(req.valid.body.code, requestMeta(req))));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/auth/identities',
      summary: 'My linked social login providers',
      tags,
      auth: true,
      responses: { 200: { description: 'Linked providers', schema: IdentitiesResponse } },
    },
    auth,
    async (req, reply) => {
      const { identities, hasPassword } = await oauth.listIdentities(req.principal!);
      return reply(200, { items: identities.map(toIdentityView), hasPassword });
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/auth/identities/{provider}',
      summary: 'Unlink a provider (never the last way to log in)',
      tags,
      auth: true,
      params: ProviderParams,
      responses: {
        204: { description: 'Unlinked' },
        404: problem('`identity_not_found`'),
        409: problem('`last_login_method`: no password and no other provider'),
      },
    },
    auth,
    async (req, reply) => {
      await oauth.unlink(req.principal!, req.valid.params.provider);
      return reply(204);
    },
  );
}
