import type { Kysely } from 'kysely';
import type { Store } from '@petpro/kit';
import type { DB } from '../db.ts';
import { AccountsRepository } from '../accounts/accounts.repository.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import { MfaRepository } from './mfa.repository.ts';
import { RecoveryRepository } from './recovery.repository.ts';

/**
 * The repositories MFA works with over one executor. When the auth service gets its `src/store.ts`
 * (issue 12's conversion), `mfa` and `recovery` join its `Repositories` and this file goes.
 */
export interface MfaRepositories {
  mfa: MfaRepository;
  recovery: RecoveryRepository;
  accounts: AccountsRepository;
  audit: AuditRepository;
}

export function mfaRepositoriesOver(db: Kysely<DB>): MfaRepositories {
  return {
    mfa: new MfaRepository(db),
    recovery: new RecoveryRepository(db),
    accounts: new AccountsRepository(db),
    audit: new AuditRepository(db),
  };
}

export type MfaStore = Store<MfaRepositories>;
