// The whole simulation as `npm run simulate` and `npm run demo -- --simulate` run it: the backfill
// of past days and of today, then live traffic until the signal (or --duration) and meanwhile,
// once the processor has written the backfill to the lake, the daily batch for the past days.
import type { SimulateOptions } from './options.ts';
import { runDailyBatch } from './run-daily-batch.ts';
import { backfill, previousDays, type RunOptions, runLive } from './simulate.ts';
import { waitForLake } from './wait-for-lake.ts';

/**
 * Live traffic starts with the visits of the last 8 minutes under way (their earlier events sent at
 * once, within the processor's 10 minutes of allowed lateness), so the rate and the current
 * visitors are there from the first minute; a backfill of today stops where this begins.
 */
const WARM_UP_MS = 8 * 60_000;

export async function simulate(
  opts: SimulateOptions,
  signal: AbortSignal,
  log: (line: string) => void,
  batchEnv: Readonly<Record<string, string>> = {},
): Promise<void> {
  const run: RunOptions = {
    traffic: { seed: opts.seed },
    collectorUrl: opts.collectorUrl,
    writeKey: opts.writeKey,
    log,
  };
  let batch: Promise<void> = Promise.resolve();
  if (opts.days > 0) {
    // The previous days in full, then today until the live traffic takes over, so that it carries
    // on a day that already has its morning; the batch runs for the complete days only.
    const now = Date.now();
    const days = previousDays(opts.days, now);
    const today = new Date(now).toISOString().slice(0, 10);
    log(
      `simulate: backfilling ${days[0]} to ${today} (~${opts.visitsPerDay} visits a day, seed ${opts.seed})`,
    );
    const { events } = await backfill(run, [...days, today], opts.visitsPerDay, now - WARM_UP_MS);
    if (signal.aborted) return;
    // While the live traffic runs: wait for the lake, then the batch (a failure stops only this).
    if (opts.batch) batch = batchWhenInLake(opts, days, events, signal, log, batchEnv);
  }
  if (opts.rate > 0 && !signal.aborted) await live(run, opts, signal, log);
  await batch;
}

async function batchWhenInLake(
  opts: SimulateOptions,
  days: readonly string[],
  events: number,
  signal: AbortSignal,
  log: (line: string) => void,
  batchEnv: Readonly<Record<string, string>>,
): Promise<void> {
  try {
    await waitForLake({
      brokers: opts.kafkaBrokers,
      topic: opts.eventsTopic,
      groupId: opts.processorGroup,
      log,
      signal,
    });
    if (signal.aborted) return;
    log(`simulate: ${events} backfilled events are in the lake; running the daily batch`);
    await runDailyBatch(days, batchEnv, log);
  } catch (err) {
    log(`simulate: the daily batch did not run: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function live(
  run: RunOptions,
  opts: SimulateOptions,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  // Not AbortSignal.timeout: combined with AbortSignal.any on Node 20 it may never fire.
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = opts.durationS === null ? null : setTimeout(stop, opts.durationS * 1000);
  try {
    await runLive(run, opts.rate, stopped.signal, WARM_UP_MS);
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
  log('simulate: live traffic stopped');
}
