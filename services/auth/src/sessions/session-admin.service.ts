import { NotFoundError } from '@petpro/kit';
import type { AccountsRepository } from '../accounts/accounts.repository.ts';
import type { SessionRecord, SessionsRepository } from './sessions.repository.ts';

/** What admins see of other users' sessions. */
export class SessionAdminService {
  constructor(private readonly deps: { accounts: AccountsRepository; sessions: SessionsRepository }) {}

  /** A user's open sessions, most recently used first; 404 for an unknown user. */
  async listActiveOf(userId: string): Promise<SessionRecord[]> {
    if (!(await this.deps.accounts.findById(userId))) throw new NotFoundError('user_not_found', 'No such user');
    return this.deps.sessions.listActive(userId);
  }
}
