// Local days and hours of a site's reporting time zone, as data the SQL joins (the same on every
// engine, so no engine's time zone functions are involved). Events are mapped by quarter hour:
// quarter = floor(epoch ms / 900 000). Every UTC offset in use is a multiple of 15 minutes, so a
// quarter lies in exactly one local hour, also for zones like Asia/Kolkata (+05:30) and
// Asia/Kathmandu (+05:45), and across daylight-saving changes.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const QUARTER_MS = 900_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function formatOf(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, f);
  }
  return f;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

interface LocalTime {
  readonly date: string;
  readonly hour: number;
  /** Local time minus UTC, in minutes. */
  readonly offsetMinutes: number;
}

export function localTime(zone: string, epochMs: number): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatOf(zone).formatToParts(new Date(epochMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
  return {
    date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    hour,
    offsetMinutes: Math.round((asUtc - wholeSeconds) / 60_000),
  };
}

/** `2026-11-24 10:00:00+01:00`: the start of a local hour, with its offset (it says its zone). */
export function hourLabel(t: LocalTime): string {
  const sign = t.offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(t.offsetMinutes);
  return `${t.date} ${pad(t.hour)}:00:00${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The first instant of the local day `date` (usually local midnight; 01:00 where midnight is skipped). */
export function dayStartMs(zone: string, date: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // Offsets lie within -12 h .. +14 h: local midnight is within 15 h of UTC midnight.
  for (let ms = utcMidnight - 15 * HOUR_MS; ms <= utcMidnight + 15 * HOUR_MS; ms += QUARTER_MS)
    if (localTime(zone, ms).date === date) return ms;
  throw new Error(`no local day ${date} in ${zone}`);
}

export interface DayWindow {
  readonly zone: string;
  /** The local day [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * What the batch reads for this day: one day before (does the day's first event continue a
   * session?) and one after (sessions that started on the day and run past midnight, at most 24 h).
   */
  readonly fromMs: number;
  readonly toMs: number;
}

export function dayWindow(zone: string, date: string): DayWindow {
  const startMs = dayStartMs(zone, date);
  const endMs = dayStartMs(zone, addDays(date, 1));
  return { zone, startMs, endMs, fromMs: startMs - DAY_MS, toMs: endMs + DAY_MS };
}

export interface QuarterRow {
  readonly zone: string;
  readonly quarter: number;
  readonly local_date: string;
  readonly hour_start: string;
}

/** Every quarter hour of the window, with its local date and hour. */
export function zoneQuarters(w: DayWindow): QuarterRow[] {
  const rows: QuarterRow[] = [];
  for (let q = Math.floor(w.fromMs / QUARTER_MS); q * QUARTER_MS < w.toMs; q++) {
    const t = localTime(w.zone, q * QUARTER_MS);
    rows.push({ zone: w.zone, quarter: q, local_date: t.date, hour_start: hourLabel(t) });
  }
  return rows;
}

/** The UTC dates (the lake's dt partitions) that hold [fromMs, toMs). */
export function utcDates(fromMs: number, toMs: number): string[] {
  const dates: string[] = [];
  for (
    let d = new Date(fromMs).toISOString().slice(0, 10);
    Date.parse(`${d}T00:00:00Z`) < toMs;
    d = addDays(d, 1)
  )
    dates.push(d);
  return dates;
}
