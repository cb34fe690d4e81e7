// The simulator's options, shared by `npm run simulate` and `npm run demo -- --simulate`:
//
//   --rate N            5       live events per second (0: no live traffic)
//   --days N            0       backfill the N previous days (UTC) before the live traffic
//   --visits-per-day N  1500    visits on an average backfilled day (weekends +20%, +-12% noise)
//   --seed N            1       the same seed gives the same visitors, paths and ids
//   --duration S        (none)  stop the live traffic after S seconds (default: until Ctrl-C)
//   --no-batch                  after a backfill, do not run the daily batch for those days
//   --collector URL     COLLECTOR_URL, else http://127.0.0.1:8081
//   --write-key KEY     SIMULATE_WRITE_KEY, else demo-shop-server-key (a site that trusts context.ip)
//
// To wait for the backfill to reach the lake before the batch, from the environment as the other
// services read it: KAFKA_BROKERS (127.0.0.1:9092), TOPIC_PREFIX (clickstream), PROCESSOR_GROUP_ID
// (clickstream-processor). The batch itself reads its own variables (batch/README.md).
import type { ParseArgsConfig } from 'node:util';
import { topicNames } from '@clickstream/schema';

export interface SimulateOptions {
  readonly rate: number;
  readonly days: number;
  readonly visitsPerDay: number;
  readonly seed: number;
  readonly durationS: number | null;
  readonly batch: boolean;
  readonly collectorUrl: string;
  readonly writeKey: string;
  readonly kafkaBrokers: readonly string[];
  readonly eventsTopic: string;
  readonly processorGroup: string;
}

/** The write key of the demo's server site (demo.ts configures it in the collector). */
export const SIMULATE_WRITE_KEY = 'demo-shop-server-key';

export const SIMULATE_ARGS = {
  rate: { type: 'string' },
  days: { type: 'string' },
  'visits-per-day': { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  'no-batch': { type: 'boolean' },
  collector: { type: 'string' },
  'write-key': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export class OptionError extends Error {
  override readonly name = 'OptionError';
}

type Values = { readonly [K in keyof typeof SIMULATE_ARGS]?: string | boolean | undefined };

function num(values: Values, name: keyof typeof SIMULATE_ARGS, fallback: number, min: number, max: number) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new OptionError(`--${name} ${raw}: expected a number from ${min} to ${max}`);
  return n;
}

export function simulateOptions(
  values: Values,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SimulateOptions {
  const days = num(values, 'days', 0, 0, 366);
  if (!Number.isInteger(days)) throw new OptionError(`--days ${values.days}: a whole number of days`);
  const duration = values.duration === undefined ? null : num(values, 'duration', 0, 1, 31_536_000);
  return {
    rate: num(values, 'rate', 5, 0, 10_000),
    days,
    visitsPerDay: Math.round(num(values, 'visits-per-day', 1500, 1, 1_000_000)),
    seed: Math.round(num(values, 'seed', 1, 0, 4_294_967_295)),
    durationS: duration,
    batch: values['no-batch'] !== true,
    collectorUrl: (values.collector as string | undefined) || env.COLLECTOR_URL || 'http://127.0.0.1:8081',
    writeKey: (values['write-key'] as string | undefined) || env.SIMULATE_WRITE_KEY || SIMULATE_WRITE_KEY,
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    eventsTopic: topicNames(env.TOPIC_PREFIX || undefined).events,
    processorGroup: env.PROCESSOR_GROUP_ID || 'clickstream-processor',
  };
}
