import { type Logger, runEvery } from '@petpro/kit';
import type { ApprovalService } from './onboarding/approval.service.ts';
import type { OutboxDispatcher } from './mail/outbox.service.ts';

/**
 * The background loop of every clinic instance: re-runs approvals whose auth call failed and sends
 * pending mail. Claims use leases with SKIP LOCKED, so any number of replicas can run it together.
 * Returns a stop function that waits for the pass in progress.
 */
export function startWorker(deps: {
  intervalMs: number;
  approvals: ApprovalService;
  dispatcher: OutboxDispatcher;
  log: Logger;
}): () => Promise<void> {
  return runEvery(
    deps.intervalMs,
    async () => {
      await deps.approvals.retryDue();
      await deps.dispatcher.dispatch();
    },
    { log: deps.log, failure: 'background pass failed', level: 'error' },
  );
}
