import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

export interface TicketRecord {
  userId: string;
  sessionId: string;
  roles: string[];
  permissions: string[];
  tokenExpiresAt: Date;
}

/** The only SQL of WebSocket tickets (stored as their SHA-256). */
export class RealtimeRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insertTicket(hash: string, t: TicketRecord, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('realtime_tickets')
      .values({
        hash,
        user_id: t.userId,
        session_id: t.sessionId,
        roles: t.roles,
        permissions: t.permissions,
        token_expires_at: t.tokenExpiresAt,
        expires_at: expiresAt,
      })
      .execute();
  }

  /** Tickets of a user not yet used nor expired. */
  async countLive(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('realtime_tickets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('expires_at', '>', new Date())
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Takes a ticket once: deleted in the same statement that reads it, so two redeemers cannot both get it. */
  async takeTicket(hash: string): Promise<TicketRecord | undefined> {
    const r = await this.db
      .deleteFrom('realtime_tickets')
      .where('hash', '=', hash)
      .where('expires_at', '>', new Date())
      .returningAll()
      .executeTakeFirst();
    return (
      r && {
        userId: r.user_id,
        sessionId: r.session_id,
        roles: r.roles,
        permissions: r.permissions,
        tokenExpiresAt: r.token_expires_at,
      }
    );
  }

  async purgeExpiredTickets(): Promise<void> {
    await this.db.deleteFrom('realtime_tickets').where('expires_at', '<=', new Date()).execute();
  }
}
