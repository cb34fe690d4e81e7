// When the scheduled batch runs and which days it computes. Pure functions of the clock.
//
// Every run computes the last `days` finished UTC days, yesterday included. Yesterday is final for
// sites in UTC and east of it, not for sites west of UTC (their local day ends up to 12 hours
// later) nor for sessions still open at midnight; so the day before is computed again, now final
// for every time zone. A rerun replaces a day atomically, so computing a day twice is harmless.

export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The first moment at `at` (UTC) strictly after `now`. */
export function nextRunAt(now: Date, at: TimeOfDay): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const today = midnight + (at.hour * 60 + at.minute) * 60_000;
  return new Date(today > now.getTime() ? today : today + DAY_MS);
}

/** The days a run at `now` computes: the last `days` UTC days before today's. */
export function daysToRun(now: Date, days: number): { from: string; to: string } {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: isoDay(midnight - days * DAY_MS), to: isoDay(midnight - DAY_MS) };
}

/** `HH:MM` (24-hour clock) as a time of day, or null when it is not one. */
export function parseTimeOfDay(text: string): TimeOfDay | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}
