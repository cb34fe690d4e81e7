import { validateWireEvent } from '@clickstream/schema';
import { describe, expect, it } from 'vitest';
import { DEVICES } from './audience.ts';
import { LIBRARY } from './plan-visit.ts';
import { LiveTraffic, meanEventsPerVisit, planDay, visitNumber, visitsOnDay } from './traffic.ts';

const VISITS = 6_000;
const visits = Array.from({ length: VISITS }, (_, n) => visitNumber({ seed: 42 }, 'test', n, 0));
const humans = visits.filter((v) => !v.outcome.bot);
const share = (n: number, of: number) => n / of;

describe('the simulated visits', () => {
  it('have a realistic bot share and bounce rate', () => {
    expect(share(VISITS - humans.length, VISITS)).toBeGreaterThan(0.04);
    expect(share(VISITS - humans.length, VISITS)).toBeLessThan(0.06);
    const bounced = humans.filter((v) => v.outcome.bounced).length;
    expect(share(bounced, humans.length)).toBeGreaterThan(0.33);
    expect(share(bounced, humans.length)).toBeLessThan(0.43);
  });

  it('narrow down the funnel as shops do (sessions reaching each step)', () => {
    const reached = (step: number) =>
      share(humans.filter((v) => v.outcome.funnelStep >= step).length, humans.length);
    const [viewed, added, checkout, ordered] = [1, 2, 3, 4].map(reached) as [number, number, number, number];
    expect(viewed).toBeGreaterThan(0.6);
    expect(viewed).toBeLessThan(0.75);
    expect(added).toBeGreaterThan(0.13);
    expect(added).toBeLessThan(0.23);
    expect(checkout).toBeGreaterThan(0.035);
    expect(checkout).toBeLessThan(0.07);
    // Conversion rate (orders per session) of a healthy small shop: 2-5%.
    expect(ordered).toBeGreaterThan(0.02);
    expect(ordered).toBeLessThan(0.05);
    // Each order is in the visitor's currency with exact cents.
    for (const v of humans.filter((x) => x.outcome.funnelStep === 4)) {
      expect(['EUR', 'GBP', 'USD']).toContain(v.outcome.currency);
      expect(Math.round(v.outcome.revenue * 100) / 100).toBe(v.outcome.revenue);
    }
  });

  it('come from about half mobile, 42% desktop, 8% tablet devices', () => {
    const typeOf = (ua: string | undefined) => DEVICES.find((d) => d.userAgent === ua)?.type;
    const mix = { desktop: 0, mobile: 0, tablet: 0 };
    for (const v of humans) mix[typeOf(v.events[0]?.event.context?.userAgent) ?? 'desktop']++;
    expect(share(mix.mobile, humans.length)).toBeGreaterThan(0.45);
    expect(share(mix.mobile, humans.length)).toBeLessThan(0.55);
    expect(share(mix.desktop, humans.length)).toBeGreaterThan(0.37);
    expect(share(mix.desktop, humans.length)).toBeLessThan(0.47);
    expect(share(mix.tablet, humans.length)).toBeGreaterThan(0.05);
    expect(share(mix.tablet, humans.length)).toBeLessThan(0.11);
  });

  it('are valid Segment events, in time order, starting with a page view that carries the source', () => {
    const sample = visits.slice(0, 1500);
    const ids = new Set<string>();
    const problems: string[] = [];
    let withCampaign = 0;
    let withReferrer = 0;
    for (const v of sample) {
      const first = v.events[0]?.event;
      if (first?.type !== 'page') problems.push(`starts with ${first?.type}`);
      if (first?.context?.campaign) withCampaign++;
      if (first?.context?.page?.referrer) withReferrer++;
      for (const [i, { at, event }] of v.events.entries()) {
        const checked = validateWireEvent(event);
        if (!checked.ok) problems.push(JSON.stringify(checked.issues));
        if (event.timestamp !== new Date(at).toISOString()) problems.push(`timestamp ${event.timestamp}`);
        if (event.context?.library?.name !== LIBRARY.name) problems.push('library');
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(event.context?.ip ?? '')) problems.push(`ip ${event.context?.ip}`);
        if (i > 0 && at < (v.events[i - 1]?.at as number)) problems.push('out of order');
        ids.add(event.messageId);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(sample.reduce((n, v) => n + v.events.length, 0));
    expect(share(withCampaign, sample.length)).toBeGreaterThan(0.2);
    expect(share(withReferrer, sample.length)).toBeGreaterThan(0.45);
  }, 30_000);

  it('bring some visitors back: the same id with the same device and country', () => {
    const seen = new Map<string, string>();
    let returning = 0;
    for (const v of humans) {
      const e = v.events[0]?.event;
      const who = `${e?.context?.userAgent}|${e?.context?.locale}`;
      const id = e?.anonymousId as string;
      if (seen.has(id)) {
        returning++;
        expect(seen.get(id)).toBe(who);
      } else seen.set(id, who);
    }
    expect(share(returning, humans.length)).toBeGreaterThan(0.15);
    expect(share(returning, humans.length)).toBeLessThan(0.3);
  });

  it('are the same for the same seed and differ for another', { timeout: 20_000 }, () => {
    const a = planDay({ seed: 7 }, '2026-11-28', 200);
    expect(planDay({ seed: 7 }, '2026-11-28', 200)).toEqual(a);
    expect(planDay({ seed: 8 }, '2026-11-28', 200)[0]?.event.messageId).not.toBe(a[0]?.event.messageId);
  });
});

describe('a backfilled day', () => {
  it('is busiest in the evening, quiet at night, and busier at weekends', { timeout: 20_000 }, () => {
    const events = planDay({ seed: 3 }, '2026-11-25', 800); // a Wednesday
    const byHour = new Array(24).fill(0) as number[];
    for (const e of events) {
      const h = new Date(e.at).getUTCHours();
      if (e.at < Date.parse('2026-11-26T00:00:00Z')) byHour[h] = (byHour[h] ?? 0) + 1;
    }
    expect(byHour[19]).toBeGreaterThan(3 * (byHour[3] as number));
    expect(events.every((e, i) => i === 0 || e.at >= (events[i - 1]?.at as number))).toBe(true);
    const weekday = visitsOnDay({ seed: 3 }, '2026-11-25', 1000);
    const saturday = visitsOnDay({ seed: 3 }, '2026-11-28', 1000);
    expect(weekday).toBeGreaterThanOrEqual(880);
    expect(weekday).toBeLessThanOrEqual(1120);
    expect(saturday).toBeGreaterThanOrEqual(1056);
  });
});

describe('live traffic', () => {
  it('reaches the chosen rate of events per second once visits are under way', () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    const traffic = new LiveTraffic({ seed: 5 }, 10, t0);
    traffic.take(t0 + 600_000); // ten minutes to build up
    const events = traffic.take(t0 + 2_400_000).length; // the next half hour
    expect(events / 1_800).toBeGreaterThan(8);
    expect(events / 1_800).toBeLessThan(12);
    expect(meanEventsPerVisit()).toBeGreaterThan(5);
  }, 30_000);

  it('with a warm-up, has visits under way from the start: the first take holds their earlier events', () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    const traffic = new LiveTraffic({ seed: 5 }, 10, t0, 480_000);
    const earlier = traffic.take(t0);
    expect(earlier.length).toBeGreaterThan(1_500);
    expect(earlier.every((e) => e.at >= t0 - 480_000 && e.at <= t0)).toBe(true);
    const firstMinute = traffic.take(t0 + 60_000).length;
    expect(firstMinute / 60).toBeGreaterThan(7);
  }, 30_000);
});
