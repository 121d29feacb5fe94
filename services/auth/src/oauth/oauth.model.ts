import { canonicalOrigin } from '@petpro/kit';
import type { ProviderProfile } from './oauth.providers.ts';

/** A sign-in in progress, between the start and the provider's callback. */
export interface SignInState {
  provider: string;
  redirectUri: string;
  codeVerifier: string;
  nonce: string | null;
  /** The account a logged-in user is linking another provider to. */
  linkUserId: string | null;
  language: 'id' | 'en';
  expiresAt: Date;
}

export interface IdentityRecord {
  userId: string;
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

/** The fields of an account that social login decides on. */
export interface SocialUser {
  id: string;
  email: string;
  name: string;
  language: 'id' | 'en';
  emailVerified: boolean;
  hasPassword: boolean;
}

export const STATE_TTL_MS = 10 * 60_000;
export const EXCHANGE_CODE_TTL_MS = 60_000;

/**
 * True when `redirectUri` is an absolute http(s) URL on one of the allowed origins (exact match),
 * without credentials or a fragment (the code is appended as a query parameter).
 */
export function isAllowedRedirect(redirectUri: string, allowedOrigins: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(redirectUri);
  } catch {
    return false;
  }
  if (u.username || u.password || u.hash) return false;
  const origin = canonicalOrigin(u.origin);
  return origin !== undefined && allowedOrigins.includes(origin);
}

/** `redirectUri` with the given query parameters added (the client app's own ones kept). */
export function redirectWith(redirectUri: string, params: Record<string, string>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * What a first sign-in with an unknown identity does with an account holding the same email:
 * link only when the provider asserts the address is verified AND the PetPro account proved it too;
 * any other match is refused (an attacker's unverified address must never reach someone's account).
 */
export function firstSignInDecision(
  profile: ProviderProfile,
  sameEmail: SocialUser | undefined,
): 'create' | 'link' | 'refuse' {
  if (!sameEmail) return 'create';
  return profile.emailVerified && sameEmail.emailVerified ? 'link' : 'refuse';
}

/** A name for a new account: the provider's, else the part of the address before the @. */
export function accountName(profile: ProviderProfile, email: string): string {
  return (profile.name ?? email.split('@')[0] ?? 'PetPro').slice(0, 100);
}
