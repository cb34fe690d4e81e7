// `npm run simulate -- [--rate 5] [--days 0] [--visits-per-day 1500] [--seed 1] [--duration S]
// [--no-batch] [--collector URL] [--write-key KEY]`: simulated shoppers against a running demo
// (`npm run demo`), posted through the collector like any server-side client. Options: options.ts.
import { parseArgs } from 'node:util';
import { OptionError, SIMULATE_ARGS, simulateOptions } from './options.ts';
import { simulate } from './run.ts';

async function main() {
  const { values } = parseArgs({ options: SIMULATE_ARGS, strict: true });
  const opts = simulateOptions(values);
  try {
    await fetch(`${opts.collectorUrl}/health`);
  } catch {
    throw new OptionError(
      `the collector is not reachable at ${opts.collectorUrl}; start it with npm run demo`,
    );
  }
  const stop = new AbortController();
  process.on('SIGINT', () => stop.abort());
  process.on('SIGTERM', () => stop.abort());
  await simulate(opts, stop.signal, (line) => console.log(line));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`simulate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
