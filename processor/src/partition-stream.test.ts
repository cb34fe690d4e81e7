import { randomUUID } from 'node:crypto';
import { type CollectedEvent, toLakeRow } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { PartitionStream } from './partition-stream.ts';

const settings = { allowedLatenessMs: 600_000, dedupeWindowMs: 86_400_000 };
const base = collectedEvents['order-completed'] as CollectedEvent;

/** `n` page views, 20 s apart from `from`, over 30 visitors; every tenth sent twice. */
function pageViews(n: number, from: number): CollectedEvent[] {
  const out: CollectedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const t = from + i * 20_000;
    const e: CollectedEvent = {
      ...base,
      type: 'page',
      event: null,
      properties: {},
      messageId: randomUUID(),
      anonymousId: `visitor-${i % 30}`,
      userId: null,
      timestamp: new Date(t).toISOString(),
      receivedAt: new Date(t + 150).toISOString(),
    };
    out.push(e);
    if (i % 10 === 0) out.push({ ...e, receivedAt: new Date(t + 5_000).toISOString() });
  }
  return out;
}

function feed(s: PartitionStream, events: readonly CollectedEvent[]) {
  for (const e of events) s.apply(s.offset + 1n, toLakeRow(e));
  s.takeChanges();
}

/** A checkpoint as the commit log keeps it (key -> bytes), and the stream restored from it. */
function checkpoint(s: PartitionStream, stored = new Map<string, Uint8Array>()) {
  const { main, parts } = s.snapshot((key) => stored.has(key));
  const next = new Map(parts.map((p) => [p.key, p.bytes ?? (stored.get(p.key) as Uint8Array)]));
  const written = parts.filter((p) => p.bytes !== null).length;
  const restored = PartitionStream.restore(
    main,
    parts.map((p) => next.get(p.key) as Uint8Array),
    settings,
  );
  return { main, stored: next, written, restored };
}

describe('PartitionStream checkpoints', () => {
  const t0 = Date.parse('2026-11-24T10:00:00.000Z');

  it('restores to the same state from a checkpoint in parts, and writes only the hours that changed', () => {
    const s = new PartitionStream(1, settings);
    const first = pageViews(540, t0); // 3 hours of receipt
    feed(s, first);
    const one = checkpoint(s);
    expect(one.written).toBe(3);
    expect(one.restored.stats()).toEqual(s.stats());
    expect(Buffer.from(checkpoint(one.restored).main)).toEqual(Buffer.from(one.main));

    // An hour later: one new hour; the three before are named, not written.
    const later = pageViews(60, t0 + 4 * 3_600_000);
    feed(s, later);
    const two = checkpoint(s, one.stored);
    expect(two.written).toBe(1);
    expect(two.restored.stats()).toEqual(s.stats());
    // The restored stream knows every id: a copy of any is a duplicate, in both.
    const again = [...first.slice(0, 5), ...later.slice(0, 5)].map((e) => ({
      ...e,
      receivedAt: new Date(t0 + 5 * 3_600_000).toISOString(),
    }));
    for (const e of again) {
      expect(s.apply(s.offset + 1n, toLakeRow(e))).toBe('duplicate');
      expect(two.restored.apply(two.restored.offset + 1n, toLakeRow(e))).toBe('duplicate');
    }
  });

  it('still reads a version 1 checkpoint (the filter after the JSON, in one buffer)', () => {
    const s = new PartitionStream(2, settings);
    const events = pageViews(200, t0);
    feed(s, events);
    const { main, parts } = s.snapshot();
    // Version 1: [u32 length][JSON without `filter`][windowMs, maxReceivedAt, hours; per hour: hour, size, ids].
    const length = new DataView(main.buffer, main.byteOffset).getUint32(0, true);
    const { filter, ...state } = JSON.parse(Buffer.from(main.subarray(4, 4 + length)).toString('utf8'));
    const json = Buffer.from(JSON.stringify({ ...state, version: 1 }), 'utf8');
    const ids = parts.map((p) => p.bytes as Uint8Array);
    const legacy = new Uint8Array(
      4 + json.byteLength + 24 + 16 * ids.length + ids.reduce((n, b) => n + b.byteLength, 0),
    );
    const view = new DataView(legacy.buffer);
    view.setUint32(0, json.byteLength, true);
    legacy.set(json, 4);
    let at = 4 + json.byteLength;
    view.setFloat64(at, filter.windowMs, true);
    view.setFloat64(at + 8, filter.maxReceivedAt, true);
    view.setFloat64(at + 16, filter.hours.length, true);
    at += 24;
    for (const [i, h] of (filter.hours as Array<{ hour: number; size: number }>).entries()) {
      view.setFloat64(at, h.hour, true);
      view.setFloat64(at + 8, h.size, true);
      legacy.set(ids[i] as Uint8Array, at + 16);
      at += 16 + (ids[i] as Uint8Array).byteLength;
    }
    const restored = PartitionStream.restore(legacy, [], settings);
    expect(restored.stats()).toEqual(s.stats());
    expect(Buffer.from(restored.snapshot().main)).toEqual(Buffer.from(main));
  });
});
