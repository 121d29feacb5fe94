import type { Logger, Mailer } from '@petpro/kit';
import type { RenderedMail } from './templates.ts';

/** Sends mail in the background with three tries: the answer (and its timing) never depends on the mail server. */
export function deliverInBackground(
  mailer: Mailer,
  log: Logger,
  to: string,
  mail: RenderedMail,
  outboxHint?: string,
): void {
  void (async () => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await mailer.send({ to, ...mail, outboxHint });
        return;
      } catch (err) {
        if (attempt === 3) log.error({ err: (err as Error).message, subject: mail.subject }, 'mail could not be sent');
        else await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  })();
}
