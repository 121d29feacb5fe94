import type { Store } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from './db.ts';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { SessionsRepository } from './sessions/sessions.repository.ts';
import { RbacRepository } from './rbac/rbac.repository.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { ThrottleRepository } from './throttle/throttle.repository.ts';
import { KeysRepository } from './tokens/keys.repository.ts';
import { MfaRepository } from './mfa/mfa.repository.ts';
import { RecoveryRepository } from './mfa/recovery.repository.ts';
import { OAuthRepository } from './oauth/oauth.repository.ts';

/** Every repository of the service over one connection or transaction. */
export interface Repositories {
  accounts: AccountsRepository;
  sessions: SessionsRepository;
  rbac: RbacRepository;
  audit: AuditRepository;
  throttle: ThrottleRepository;
  keys: KeysRepository;
  mfa: MfaRepository;
  recovery: RecoveryRepository;
  oauth: OAuthRepository;
}

/** Builds the repositories on one executor: the pool, or a transaction (the kit's Store decides which). */
export function repositoriesOver(db: Kysely<DB>): Repositories {
  return {
    accounts: new AccountsRepository(db),
    sessions: new SessionsRepository(db),
    rbac: new RbacRepository(db),
    audit: new AuditRepository(db),
    throttle: new ThrottleRepository(db),
    keys: new KeysRepository(db),
    mfa: new MfaRepository(db),
    recovery: new RecoveryRepository(db),
    oauth: new OAuthRepository(db),
  };
}

/** The auth service's store: `repos` for plain reads, `transaction(fn)` for changes that commit together. */
export type AuthStore = Store<Repositories>;
