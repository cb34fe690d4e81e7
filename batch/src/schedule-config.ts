// The batch scheduler's one reader of the environment (the compose service `batch` runs
// `schedule.ts`; each run is `cli.ts`, which reads the batch's own options from the same
// environment). Every option, its variable and its default:
//
//   BATCH_SCHEDULE_AT         02:30    time of day (UTC, HH:MM) of the daily run
//   BATCH_SCHEDULE_DAYS       2        each run computes the last N finished UTC days (1 to 31)
//   BATCH_RUN_ON_START        true     also run once at start (catches up after downtime)
//   BATCH_RETRY_MINUTES       30       after a failed run, try again this much later (0: next day)
//   BATCH_STATUS_FILE         (none)   the last run's outcome as JSON (a container health check
//                                      reads it)
import { intInRange } from '@clickstream/infra/env';
import { parseTimeOfDay, type TimeOfDay } from './schedule-plan.ts';

export class ScheduleConfigError extends Error {
  override readonly name = 'ScheduleConfigError';
}

export interface ScheduleConfig {
  readonly at: TimeOfDay;
  readonly days: number;
  readonly runOnStart: boolean;
  readonly retryMinutes: number;
  readonly statusFile: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  return intInRange(env, name, fallback, min, max, ScheduleConfigError);
}

export function readScheduleConfig(env: Env = process.env): ScheduleConfig {
  const atText = env.BATCH_SCHEDULE_AT || '02:30';
  const at = parseTimeOfDay(atText);
  if (!at) throw new ScheduleConfigError(`BATCH_SCHEDULE_AT=${atText}: use HH:MM (UTC, 24-hour clock)`);
  const onStart = env.BATCH_RUN_ON_START || 'true';
  if (onStart !== 'true' && onStart !== 'false')
    throw new ScheduleConfigError(`BATCH_RUN_ON_START=${onStart}: use true or false`);
  return {
    at,
    days: int(env, 'BATCH_SCHEDULE_DAYS', 2, 1, 31),
    runOnStart: onStart === 'true',
    retryMinutes: int(env, 'BATCH_RETRY_MINUTES', 30, 0, 24 * 60),
    statusFile: env.BATCH_STATUS_FILE || undefined,
  };
}
