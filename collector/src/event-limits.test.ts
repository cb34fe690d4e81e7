import { validWireEvents } from '@clickstream/schema/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventLimitIssue, MAX_EVENT_BYTES, measureEvent } from './event-limits.ts';

describe('measureEvent', () => {
  it('never bounds the size below what JSON.stringify writes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary' }), (value, text) => {
        for (const v of [value, text, { [text]: value }]) {
          const { maxBytes } = measureEvent(v, 100);
          expect(maxBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(v)));
        }
      }),
      { numRuns: 2000 },
    );
  }, 30_000); // ~2 s alone; above vitest's 5 s default on a loaded 2-core machine

  it('stays within a small factor for real events, so they are not serialized twice', () => {
    for (const event of Object.values(validWireEvents)) {
      const exact = Buffer.byteLength(JSON.stringify(event));
      expect(measureEvent(event, 32).maxBytes).toBeLessThan(exact * 8);
    }
  });

  it('counts nesting levels', () => {
    expect(measureEvent({ a: 1 }, 1).tooDeep).toBe(false);
    expect(measureEvent({ a: { b: 1 } }, 1).tooDeep).toBe(true);
    expect(measureEvent([[[]]], 3).tooDeep).toBe(false);
    expect(measureEvent([[[[]]]], 3).tooDeep).toBe(true);
  });
});

describe('eventLimitIssue', () => {
  it('measures the exact size only near the limit', () => {
    const justUnder = { s: 'x'.repeat(MAX_EVENT_BYTES - 20) };
    expect(Buffer.byteLength(JSON.stringify(justUnder))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(eventLimitIssue(justUnder)).toBeNull();
    expect(eventLimitIssue({ s: 'x'.repeat(MAX_EVENT_BYTES) })?.message).toMatch(/larger than 32768 bytes/);
    expect(eventLimitIssue({ s: 'é'.repeat(MAX_EVENT_BYTES / 2) })?.message).toMatch(/larger/);
  });
});
