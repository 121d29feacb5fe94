import { z, type Logger, type Mailer } from '@petpro/kit';
import type { AuthClient } from '../shared/auth-client.ts';
import { templates, type Decision } from './templates.ts';
import type { ClinicStore } from '../store.ts';

export const DECISION_MAIL = 'onboarding_decision';

const DecisionMailPayloadSchema = z.object({
  applicationId: z.string(),
  applicantUserId: z.string(),
  decision: z.enum(['approved', 'rejected', 'changes_requested']),
  reason: z.string().nullable(),
  business: z.string(),
});
export type DecisionMailPayload = z.output<typeof DecisionMailPayloadSchema> & { decision: Decision };

/** Exponential backoff from `baseMs`, capped at `maxMs`. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts, 30)));
}

/**
 * Sends what the outbox holds: each message is rendered at send time in the recipient's language
 * (asked from the auth service), and retried with backoff while the auth service or SMTP fails.
 */
export class OutboxDispatcher {
  private running?: Promise<void>;

  constructor(
    private readonly deps: {
      store: ClinicStore;
      auth: AuthClient;
      mailer: Mailer;
      log: Logger;
      /** The client app (PUBLIC_APP_URL): decision mails link to its onboarding screen; without one, no link. */
      appUrl: string | undefined;
      retryBaseMs: number;
      retryMaxMs: number;
    },
  ) {}

  /** Sends due messages now; concurrent calls share one run. */
  dispatch(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * One message per transaction, its row locked while it is sent: another replica skips it, and a
   * replica that dies mid-send releases it for a retry. (A lease that can run out during a slow SMTP
   * exchange would let a second replica send the same mail.)
   */
  private async run(): Promise<void> {
    for (;;) {
      const handled = await this.deps.store.transaction(async (repos) => {
        const msg = await repos.outbox.lockNextDue();
        if (!msg) return false;
        try {
          await this.send(msg.kind, msg.payload);
          await repos.outbox.markSent(msg.id);
        } catch (err) {
          const next = new Date(Date.now() + backoffMs(msg.attempts, this.deps.retryBaseMs, this.deps.retryMaxMs));
          this.deps.log.warn({ err, mail: msg.id, attempts: msg.attempts + 1 }, 'mail not sent; will retry');
          await repos.outbox.markFailed(msg.id, (err as Error).message ?? String(err), next);
        }
        return true;
      });
      if (!handled) return;
    }
  }

  private async send(kind: string, payload: Record<string, unknown>): Promise<void> {
    if (kind !== DECISION_MAIL) throw new Error(`unknown mail kind ${kind}`);
    // Parsed, not cast: a row written by an older version must fail loudly here, not render garbage.
    const p = DecisionMailPayloadSchema.parse(payload);
    const user = await this.deps.auth.getUser(p.applicantUserId);
    if (!user) {
      this.deps.log.warn({ applicant: p.applicantUserId }, 'decision mail dropped: the applicant no longer exists');
      return;
    }
    const mail = templates.decision(user.language, {
      name: user.name,
      business: p.business,
      decision: p.decision,
      reason: p.reason,
      url: this.deps.appUrl && `${this.deps.appUrl}/vendor/onboarding`,
    });
    await this.deps.mailer.send({ to: user.email, ...mail });
  }
}
