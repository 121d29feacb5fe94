import type { InternalUserContactView } from '@petpro/contracts';
import type { UserRecord } from '../accounts/accounts.repository.ts';

/** A user's contact details as other services read them (the contract of @petpro/contracts). */
export function toUserContactView(user: UserRecord): InternalUserContactView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    language: user.language,
    emailVerified: !!user.emailVerifiedAt,
  };
}
