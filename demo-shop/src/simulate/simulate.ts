// Runs the simulated shop: a backfill of past days (each day's events sent in time order, so the
// processor's watermarks move forward as they would have), then live traffic at a rate until
// stopped. Progress goes to `log`, a line per day and one every 10 s while live.

import type { WireEvent } from '@clickstream/schema';
import { Random, seedOf } from './random.ts';
import { EventSender } from './send-events.ts';
import { LiveTraffic, planDay, type TrafficOptions, visitsOnDay } from './traffic.ts';

export interface RunOptions {
  readonly traffic: TrafficOptions;
  readonly collectorUrl: string;
  readonly writeKey: string;
  readonly log: (line: string) => void;
  /** Told of each set of events once the collector answered for them (tests keep the ids). */
  readonly onSent?: (events: readonly WireEvent[]) => void;
}

/** What a run sent: events once each, and how many of them were sent a second time. */
export interface Sent {
  events: number;
  duplicates: number;
}

const DAY_MS = 86_400_000;

/** The `days` UTC days before the one of `now`, oldest first. */
export function previousDays(days: number, now = Date.now()): string[] {
  return Array.from({ length: days }, (_, i) =>
    new Date(now - (days - i) * DAY_MS).toISOString().slice(0, 10),
  );
}

function sender(opts: RunOptions, stream: string): EventSender {
  return new EventSender({
    collectorUrl: opts.collectorUrl,
    writeKey: opts.writeKey,
    random: new Random(seedOf(opts.traffic.seed, 'duplicates', stream)),
    log: (line) => opts.log(`simulate: ${line}`),
  });
}

/**
 * Sends the traffic of each of `days` (visits starting that day), only events up to `until` (so
 * today can be filled up to now).
 */
export async function backfill(
  opts: RunOptions,
  days: readonly string[],
  visitsPerDay: number,
  until = Date.now(),
): Promise<Sent> {
  const sent: Sent = { events: 0, duplicates: 0 };
  for (const day of days) {
    const t0 = performance.now();
    const events = planDay(opts.traffic, day, visitsPerDay).filter((e) => e.at <= until);
    if (events.length === 0) continue;
    const s = sender(opts, `day-${day}`);
    // In time order (the sender keeps it): with 4 requests at a time, 477 of a morning's 498
    // events reached Kafka behind a later request and were late for the real-time tables.
    const wire = events.map((e) => e.event);
    await s.send(wire);
    opts.onSent?.(wire);
    const c = s.counts;
    sent.events += events.length;
    sent.duplicates += c.duplicates;
    const partial = until < Date.parse(`${day}T23:59:59.999Z`);
    const what = partial
      ? `until ${new Date(until).toISOString().slice(11, 16)} UTC`
      : `${visitsOnDay(opts.traffic, day, visitsPerDay)} visits`;
    opts.log(
      `simulate: backfilled ${day} (${what}): ${events.length} events ` +
        `(+${c.duplicates} sent twice, ${c.retries} retried requests${c.rejected ? `, ${c.rejected} REJECTED` : ''}) ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (c.rejected > 0) throw new Error(`the collector rejected ${c.rejected} backfilled events of ${day}`);
  }
  return sent;
}

/**
 * Live traffic at `eventsPerSecond` until `signal` aborts. `warmUpMs`: visits already under way at
 * the start (their earlier events are sent at once), so the rate holds from the first minute.
 */
export async function runLive(
  opts: RunOptions,
  eventsPerSecond: number,
  signal: AbortSignal,
  warmUpMs = 0,
  tickMs = 250,
): Promise<Sent> {
  const traffic = new LiveTraffic(opts.traffic, eventsPerSecond, Date.now(), warmUpMs);
  const s = sender(opts, `live-${Date.now()}`);
  let reported = { at: performance.now(), events: 0, visits: 0, orders: 0 };
  let sent = 0;
  opts.log(
    `simulate: live traffic at about ${eventsPerSecond} events/s` +
      (warmUpMs > 0
        ? ` (visits of the last ${Math.round(warmUpMs / 60_000)} minutes first)`
        : ' (it builds up over the first minutes)'),
  );
  while (!signal.aborted) {
    const due = traffic.take(Date.now());
    if (due.length > 0) {
      const wire = due.map((e) => e.event);
      await s.send(wire);
      opts.onSent?.(wire);
      sent += due.length;
      // Refused from the start (a wrong write key, a site that does not trust context.ip): stop.
      if (s.counts.accepted === 0 && s.counts.rejected > 0)
        throw new Error('the collector refuses the simulated events (see the line above)');
    }
    const now = performance.now();
    if (reported.events === 0 && warmUpMs > 0 && sent > 0) {
      // The visits under way at the start: reported apart, so the rates below are the live ones.
      const orders = traffic.outcomes.filter((o) => o.funnelStep === 4).length;
      opts.log(`simulate: the visits under way: ${traffic.visits} visits, ${sent} events sent at once`);
      reported = { at: now, events: sent, visits: traffic.visits, orders };
    } else if (now - reported.at >= 10_000) {
      const orders = traffic.outcomes.filter((o) => o.funnelStep === 4).length;
      opts.log(
        `simulate: live ${((sent - reported.events) / ((now - reported.at) / 1000)).toFixed(1)} events/s, ` +
          `${traffic.visits - reported.visits} new visits, orders: ${orders - reported.orders} in the last ` +
          `${((now - reported.at) / 1000).toFixed(0)} s (${sent} events, ${s.counts.duplicates} sent twice)`,
      );
      reported = { at: now, events: sent, visits: traffic.visits, orders };
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  if (s.counts.rejected > 0) opts.log(`simulate: the collector rejected ${s.counts.rejected} live events`);
  return { events: sent, duplicates: s.counts.duplicates };
}
