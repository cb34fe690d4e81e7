import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveHub, sitesOfNotify } from './live-hub.ts';
import { fillMinutes, type Snapshot } from './snapshot.ts';
import type { SseClient } from './sse.ts';

class FakeClient implements SseClient {
  readonly sent: Array<[string, unknown]> = [];
  pings = 0;
  closedNow = false;
  readonly closed = Promise.resolve();
  send(event: string, data: unknown) {
    this.sent.push([event, data]);
  }
  ping() {
    this.pings++;
  }
  close() {
    this.closedNow = true;
  }
  events = () => this.sent.map(([e]) => e);
}

const notify = (sites: string[], schema = 'realtime') =>
  JSON.stringify({ schema, topic: 'clickstream.events', partition: 0, sites });

describe('LiveHub', () => {
  let visitors: Record<string, number>;
  let reads: string[];
  let failing: Error | null;
  let hub: LiveHub;

  const read = async (site: string): Promise<Snapshot> => {
    reads.push(site);
    if (failing) throw failing;
    const at = new Date().toISOString();
    return {
      site,
      at,
      currentVisitors: visitors[site] ?? 0,
      minutes: fillMinutes([], at),
      topPages: [],
      today: { events: 0, pageViews: 0, clicks: 0, visitors: 0, orders: 0 },
      revenueToday: [],
    };
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T10:00:05Z') });
    visitors = {};
    reads = [];
    failing = null;
    hub = new LiveHub({ read, schema: 'realtime', coalesceMs: 150, refreshMs: 5_000, heartbeatMs: 15_000 });
    hub.listening(true);
  });
  afterEach(() => {
    hub.close();
    vi.useRealTimers();
  });

  it('sends a new viewer the snapshot at once, then deltas after writes, coalesced per site', async () => {
    const a = new FakeClient();
    hub.subscribe('shop', a);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.events()).toEqual(['snapshot']);

    visitors.shop = 1;
    for (let i = 0; i < 10; i++) hub.notify(notify(['shop']));
    await vi.advanceTimersByTimeAsync(200);
    // The first NOTIFY came within 150 ms of the subscription's read, so it waited; the burst
    // cost a single read.
    expect(reads).toEqual(['shop', 'shop']);
    expect(a.sent.at(-1)).toEqual(['delta', expect.objectContaining({ currentVisitors: 1 })]);

    // A second viewer gets the cached snapshot at once (with the new number), then stays in step.
    const b = new FakeClient();
    hub.subscribe('shop', b);
    expect(b.sent).toEqual([['snapshot', expect.objectContaining({ currentVisitors: 1 })]]);
  });

  it('ignores NOTIFYs of other schemas and of sites nobody watches; re-reads watched sites periodically', async () => {
    const a = new FakeClient();
    hub.subscribe('shop', a);
    await vi.advanceTimersByTimeAsync(1_000);
    hub.notify(notify(['shop'], 'other_schema'));
    hub.notify(notify(['blog']));
    hub.notify('not json');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads).toEqual(['shop']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reads).toEqual(['shop', 'shop']);
    // Nothing changed, so nothing was pushed.
    expect(a.events()).toEqual(['snapshot']);
  });

  it('stops reading a site when its last viewer leaves', async () => {
    const leave = hub.subscribe('shop', new FakeClient());
    await vi.advanceTimersByTimeAsync(0);
    leave();
    expect(hub.viewers()).toEqual({});
    hub.notify(notify(['shop']));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(reads).toEqual(['shop']);
  });

  it('tells viewers when the numbers are not current, and when they are again', async () => {
    const a = new FakeClient();
    hub.subscribe('shop', a);
    await vi.advanceTimersByTimeAsync(0);
    failing = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.sent.at(-1)).toEqual([
      'status',
      { ok: false, message: 'database unreachable: connect ECONNREFUSED 127.0.0.1:5432' },
    ]);
    failing = null;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.sent.at(-1)).toEqual(['status', { ok: true, message: 'live' }]);

    hub.listening(false, 'terminated');
    expect(a.sent.at(-1)).toEqual(['status', expect.objectContaining({ ok: false })]);
    const readsBefore = reads.length;
    hub.listening(true);
    expect(a.sent.at(-1)).toEqual(['status', { ok: true, message: 'live' }]);
    await vi.advanceTimersByTimeAsync(200); // (the last read was just now: the throttle waits 150 ms)
    expect(reads.length).toBe(readsBefore + 1); // re-read: NOTIFYs meanwhile are lost
  });

  it('pings idle streams', async () => {
    const a = new FakeClient();
    hub.subscribe('shop', a);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(a.pings).toBe(2);
  });
});

describe('sitesOfNotify', () => {
  it("reads the processor's payload for our schema only", () => {
    expect(sitesOfNotify(notify(['a', 'b']), 'realtime')).toEqual(['a', 'b']);
    expect(sitesOfNotify(notify(['a']), 'other')).toBeNull();
    expect(sitesOfNotify(undefined, 'realtime')).toBeNull();
    expect(sitesOfNotify('{"schema":"realtime","sites":[1,"x"]}', 'realtime')).toEqual(['x']);
  });
});
