// The whole simulation as `npm run simulate` and `npm run demo -- --simulate` run it: the backfill
// of past days, the processor catching up, the daily batch for those days, then live traffic
// until the signal (or --duration).
import type { SimulateOptions } from './options.ts';
import { runDailyBatch } from './run-daily-batch.ts';
import { backfill, previousDays, type RunOptions, runLive } from './simulate.ts';
import { waitForLake } from './wait-for-lake.ts';

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
  if (opts.days > 0) {
    // The previous days in full, then today until now, so that the live traffic carries on a day
    // that already has its morning; the batch runs for the complete days only.
    const now = Date.now();
    const days = previousDays(opts.days, now);
    const today = new Date(now).toISOString().slice(0, 10);
    log(
      `simulate: backfilling ${days[0]} to ${today} (~${opts.visitsPerDay} visits a day, seed ${opts.seed})`,
    );
    const { events } = await backfill(run, [...days, today], opts.visitsPerDay, now);
    if (signal.aborted) return;
    if (opts.batch) {
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
    }
  }
  if (opts.rate <= 0 || signal.aborted) return;
  // Not AbortSignal.timeout: combined with AbortSignal.any on Node 20 it may never fire.
  const live = new AbortController();
  const stop = () => live.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = opts.durationS === null ? null : setTimeout(stop, opts.durationS * 1000);
  try {
    // Without a backfill, start with the visits of the last 8 minutes under way (within the
    // processor's 10 minutes of allowed lateness), so the rate and the current visitors are there
    // at once; a backfill already filled today until now.
    await runLive(run, opts.rate, live.signal, opts.days > 0 ? 0 : 8 * 60_000);
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
  log('simulate: live traffic stopped');
}
