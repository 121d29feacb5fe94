import type { Logger } from './log.ts';

export interface RunEveryOptions {
  log: Logger;
  /** The log message of a failed pass (the error goes with it as `err`). */
  failure: string;
  /** Level of that line: `warn` (default) for housekeeping that the next pass repeats, `error` for real work. */
  level?: 'warn' | 'error';
  /** When the first pass runs, in ms after the start (0 = at once); one interval by default. */
  firstAfterMs?: number;
}

/**
 * Runs `task` in the background every `intervalMs` (purges, retries, outbox passes, polls): never two
 * passes at once (a slow pass makes the next tick skip), a failure is logged and the loop goes on, the
 * timers do not keep the process alive. Returns a stop function that waits for the pass in progress,
 * made to be pushed onto `ctx.onClose`.
 */
export function runEvery(intervalMs: number, task: () => Promise<unknown>, opts: RunEveryOptions): () => Promise<void> {
  let current: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    if (current || stopped) return;
    current = (async () => {
      try {
        await task();
      } catch (err) {
        opts.log[opts.level ?? 'warn']({ err }, opts.failure);
      } finally {
        current = undefined;
      }
    })();
  };
  const first =
    opts.firstAfterMs !== undefined && opts.firstAfterMs !== intervalMs
      ? setTimeout(pass, opts.firstAfterMs)
      : undefined;
  first?.unref();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await current;
  };
}
