import type { WireEvent } from '@clickstream/schema';
import { describe, expect, it } from 'vitest';
import { Random } from './random.ts';
import { batchesOf, EventSender } from './send-events.ts';

const event = (i: number, size = 10): WireEvent => ({
  type: 'track',
  event: 'x'.repeat(size),
  messageId: `m-${i}`,
  anonymousId: 'a',
});

describe('batchesOf', () => {
  it('keeps order and cuts at 500 events or ~400 KB', () => {
    const small = batchesOf(Array.from({ length: 1_201 }, (_, i) => event(i)));
    expect(small.map((b) => b.length)).toEqual([500, 500, 201]);
    expect(small.flat().map((e) => e.messageId)).toEqual(Array.from({ length: 1_201 }, (_, i) => `m-${i}`));
    const big = batchesOf(Array.from({ length: 10 }, (_, i) => event(i, 100_000)));
    expect(big.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });
});

describe('EventSender', () => {
  it('retries 429 and 503 after Retry-After, sends a share of accepted batches twice, counts refusals', async () => {
    const calls: Array<{ auth: string; ids: string[] }> = [];
    const answers = [
      new Response('{}', { status: 503, headers: { 'retry-after': '2' } }),
      new Response('{}', { status: 429 }),
    ];
    const slept: number[] = [];
    const sender = new EventSender({
      collectorUrl: 'http://collector/',
      writeKey: 'key',
      random: new Random(1),
      duplicateShare: 0.5,
      sleep: async (ms) => {
        slept.push(ms);
      },
      fetch: async (_url, init) => {
        const body = JSON.parse(String(init?.body)) as { batch: WireEvent[]; sentAt: string };
        calls.push({
          auth: (init?.headers as Record<string, string> | undefined)?.authorization ?? '',
          ids: body.batch.map((e) => e.messageId),
        });
        const early = answers.shift();
        if (early) return early;
        if (body.batch[0]?.messageId === 'm-bad')
          return new Response('{"error":"invalid_events"}', { status: 400 });
        return new Response(JSON.stringify({ accepted: body.batch.length, rejected: [] }), { status: 200 });
      },
    });
    await sender.send(Array.from({ length: 1_000 }, (_, i) => event(i)));
    expect(slept).toEqual([2_000, 500]);
    expect(calls[0]?.auth).toBe(`Basic ${Buffer.from('key:').toString('base64')}`);
    const accepted = calls.slice(2).flatMap((c) => c.ids);
    expect(new Set(accepted).size).toBe(1_000);
    expect(sender.counts.accepted).toBe(accepted.length);
    expect(sender.counts.duplicates).toBe(accepted.length - 1_000);
    expect(sender.counts.retries).toBe(2);
    await sender.send([{ ...event(0), messageId: 'm-bad' }]);
    expect(sender.counts.rejected).toBe(1);
  });
});
