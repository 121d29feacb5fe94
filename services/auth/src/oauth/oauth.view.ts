import type { IdentityRecord } from './oauth.model.ts';
import type { ProviderName } from './oauth.providers.ts';
import type { IdentityView } from './oauth.schemas.ts';

export function toIdentityView(i: IdentityRecord): IdentityView {
  return {
    provider: i.provider as ProviderName,
    email: i.email,
    emailVerified: i.emailVerified,
    name: i.name,
    linkedAt: i.createdAt.toISOString(),
    lastLoginAt: i.lastLoginAt?.toISOString() ?? null,
  };
}
