// Visits over time: a past day's traffic for the backfill (more in the evening than at night, more
// at weekends, a little noise from day to day), and a live stream at a chosen rate of events per
// second. Who visits is drawn from a population per seed: about a quarter of visits come from a
// pool of loyal visitors (same id, device, country), so new and returning visitors both show.
import { visitorOf } from './audience.ts';
import { type PlannedEvent, type PlanOptions, planVisit, type Visit } from './plan-visit.ts';
import { Random, seedOf } from './random.ts';

export interface TrafficOptions extends PlanOptions {
  readonly seed: number;
  /** Share of visits by returning (loyal) visitors (default 0.26). */
  readonly returningShare?: number;
  /** How many loyal visitors there are (default 400). */
  readonly loyalVisitors?: number;
}

/** Visit `n` of a stream (a day, or the live run), the same for the same seed. */
export function visitNumber(opts: TrafficOptions, stream: string, n: number, start: number): Visit {
  const random = new Random(seedOf(opts.seed, stream, n));
  const returning = random.chance(opts.returningShare ?? 0.26);
  const index = returning ? `loyal-${random.int(opts.loyalVisitors ?? 400)}` : `${stream}-${n}`;
  return planVisit(random, visitorOf(opts.seed, index), start, opts);
}

/** Relative traffic per UTC hour: quiet at night, a lunch bump, the evening peak (European shop). */
export const HOURLY_WEIGHTS = [
  2, 1.2, 0.8, 0.6, 0.6, 0.9, 1.6, 2.8, 4, 4.6, 5, 5.4, 5.8, 5.4, 5, 5, 5.4, 6.2, 7.2, 7.8, 7.4, 6, 4.4, 3,
] as const;

/** How many visits a day gets: weekends are busier, and no two days are alike. */
export function visitsOnDay(opts: TrafficOptions, day: string, visitsPerDay: number): number {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? 1.2 : 1;
  const noise = 0.88 + 0.24 * new Random(seedOf(opts.seed, 'volume', day)).next();
  return Math.round(visitsPerDay * weekend * noise);
}

/** All events of the visits that start on `day` (UTC, YYYY-MM-DD), in time order. */
export function planDay(opts: TrafficOptions, day: string, visitsPerDay: number): PlannedEvent[] {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const random = new Random(seedOf(opts.seed, 'arrivals', day));
  const hours = HOURLY_WEIGHTS.map((weight, hour) => ({ weight, hour }));
  const events: PlannedEvent[] = [];
  const n = visitsOnDay(opts, day, visitsPerDay);
  for (let i = 0; i < n; i++) {
    const start = dayStart + random.weighted(hours).hour * 3_600_000 + random.int(3_600_000);
    events.push(...visitNumber(opts, `day-${day}`, i, start).events);
  }
  return events.sort((a, b) => a.at - b.at);
}

let meanEvents: number | undefined;

/** Events per visit on average (bots included), from 2,000 sample visits; computed once. */
export function meanEventsPerVisit(): number {
  if (meanEvents === undefined) {
    let total = 0;
    for (let i = 0; i < 2_000; i++) total += visitNumber({ seed: 0 }, 'sample', i, 0).events.length;
    meanEvents = total / 2_000;
  }
  return meanEvents;
}

/**
 * Live traffic from `startMs` on: visits arrive at random (a Poisson process) so that about
 * `eventsPerSecond` events happen per second once visits are under way; each visit's events are due
 * at their own times. Visits take minutes, so a stream that starts empty needs minutes to reach its
 * rate: with `warmUpMs`, visits start arriving that long before `startMs`, and the first `take`
 * returns what they did until then (sent at once, with their own times, as late events are).
 */
export class LiveTraffic {
  readonly #opts: TrafficOptions;
  readonly #arrivals: Random;
  readonly #meanGapMs: number;
  #nextArrival: number;
  #visits = 0;
  #pending: PlannedEvent[] = [];
  readonly outcomes: Visit['outcome'][] = [];

  constructor(opts: TrafficOptions, eventsPerSecond: number, startMs: number, warmUpMs = 0) {
    this.#opts = opts;
    this.#arrivals = new Random(seedOf(opts.seed, 'live-arrivals'));
    this.#meanGapMs = (1000 * meanEventsPerVisit()) / eventsPerSecond;
    this.#nextArrival = startMs - warmUpMs;
  }

  get visits(): number {
    return this.#visits;
  }

  /** The events due by `untilMs`, in time order (visits arriving by then are planned first). */
  take(untilMs: number): PlannedEvent[] {
    while (this.#nextArrival <= untilMs) {
      const visit = visitNumber(this.#opts, 'live', this.#visits++, this.#nextArrival);
      this.outcomes.push(visit.outcome);
      this.#pending.push(...visit.events);
      this.#nextArrival += Math.max(1, Math.round(this.#arrivals.exponential(this.#meanGapMs)));
    }
    const due = this.#pending.filter((e) => e.at <= untilMs).sort((a, b) => a.at - b.at);
    this.#pending = this.#pending.filter((e) => e.at > untilMs);
    return due;
  }
}
