import { z } from '@petpro/kit';
import { PROVIDER_NAMES } from './oauth.providers.ts';

export const ProviderParams = z.object({ provider: z.enum(PROVIDER_NAMES) });

export const StartQuery = z
  .strictObject({
    redirectUri: z.string().max(2000).openapi({ description: 'Where the one-time code goes; an allowed origin' }),
    link: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => v === 'true')
      .openapi({ description: 'Link the provider to the account of the bearer token instead of signing in' }),
  })
  .openapi('OAuthStartQuery');

/** `Accept: application/json` asks for the URL in a body instead of a 302 (a script cannot read a redirect). */
export const StartHeaders = z.object({ Accept: z.string().max(1000).optional() });
export const StartAnswer = z.object({ authorizationUrl: z.string() }).openapi('OAuthStart');

const field = (max = 4000) => z.string().max(max).optional();

/**
 * The provider's answer, in the query (GET) or a form (Apple's POST form_post). Providers add fields
 * of their own (`scope`, `authuser`, `hd`), which are ignored.
 */
export const CallbackFields = z
  .object({
    code: field(),
    state: field(200),
    iss: field(500),
    error: field(200),
    error_description: field(),
    /** Apple, on the first sign-in only: `{"name":{"firstName","lastName"},"email"}`. */
    user: field(2000),
  })
  .openapi('OAuthCallback');
export type CallbackFields = z.output<typeof CallbackFields>;

export const ExchangeBody = z.strictObject({ code: z.string().min(10).max(200) }).openapi('OAuthExchangeRequest');

export const ProvidersResponse = z.object({ providers: z.array(z.enum(PROVIDER_NAMES)) }).openapi('OAuthProviders');

export const IdentitySchema = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    email: z.string().nullable(),
    emailVerified: z.boolean(),
    name: z.string().nullable(),
    linkedAt: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('Identity');
export type IdentityView = z.output<typeof IdentitySchema>;

export const IdentitiesResponse = z
  .object({ items: z.array(IdentitySchema), hasPassword: z.boolean() })
  .openapi('IdentityList');

export const RedirectHeaders = { Location: z.string(), 'Cache-Control': z.literal('no-store') };
