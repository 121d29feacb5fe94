import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { runEvery } from './background.ts';

/** A real pino logger writing into an array. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe('runEvery', () => {
  it('repeats the task, logs a failed pass and goes on', async () => {
    const { log, lines } = memoryLog();
    let passes = 0;
    const stop = runEvery(
      20,
      async () => {
        passes++;
        if (passes === 1) throw new Error('database away');
      },
      { log, failure: 'purge failed' },
    );
    await sleep(110);
    await stop();
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'purge failed', err: { message: 'database away' } });
  });

  it('never runs two passes at once, and stop waits for the pass in progress', async () => {
    const { log } = memoryLog();
    let running = 0;
    let most = 0;
    let finished = 0;
    const stop = runEvery(
      10,
      async () => {
        most = Math.max(most, ++running);
        await sleep(45);
        running--;
        finished++;
      },
      { log, failure: 'x', firstAfterMs: 0 },
    );
    await sleep(60);
    await stop();
    expect(most).toBe(1);
    expect(running).toBe(0);
    const after = finished;
    await sleep(50);
    expect(finished).toBe(after);
  });
});
