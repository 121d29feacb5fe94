import type { MeRecord, TokenPair, UserWithRoles } from './accounts.service.ts';
import type { MeView, TokensView, UserView } from './accounts.schemas.ts';
import { toMfaStateView } from '../mfa/mfa.view.ts';

/** A user as they and admins see them: no password hash, the verification as a flag. */
export function toUserView({ user, roles }: UserWithRoles): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    phone: user.phone,
    emailVerified: !!user.emailVerifiedAt,
    language: user.language,
    roles,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The logged-in user with permissions, MFA state and linked providers other than the password. */
export function toMeView(me: MeRecord): MeView {
  return {
    ...toUserView(me),
    permissions: me.permissions,
    mfa: toMfaStateView(me.mfa),
    providers: me.providers.filter((p) => p !== 'password'),
    hasPassword: !!me.user.passwordHash,
    sessionId: me.sessionId,
  };
}

/** A token pair as the client gets it (the session id stays inside the token), with the user after a login. */
export function toTokensView(tokens: TokenPair, user?: UserWithRoles): TokensView {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    ...(user ? { user: toUserView(user) } : {}),
  };
}
