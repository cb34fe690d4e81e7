import { describe, expect, it } from 'vitest';
import type { EventSink } from './app.ts';
import { createKafkaSink } from './kafka-sink.ts';

/** A producer whose sends wait until the test acknowledges (or fails) them, one by one. */
function fakeProducer() {
  const sends: Array<{ topic: string; values: string[]; ack: () => void; fail: (e: Error) => void }> = [];
  const producer: EventSink = {
    send: (topic, messages) =>
      new Promise((resolve, reject) => {
        sends.push({
          topic,
          values: messages.map((m) => m.value),
          ack: () => resolve(undefined),
          fail: reject,
        });
      }),
  };
  return { producer, sends };
}

const msgs = (...values: string[]) => values.map((value) => ({ key: 'k', value }));
const settled = async (p: Promise<unknown>) => {
  let state = 'pending';
  p.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('createKafkaSink', () => {
  it('sends at once when idle, and combines what arrives meanwhile into the next produce', async () => {
    const { producer, sends } = fakeProducer();
    const sink = createKafkaSink(producer);
    const a = sink.send('t', msgs('a1', 'a2'));
    expect(sends.map((s) => s.values)).toEqual([['a1', 'a2']]);
    const b = sink.send('t', msgs('b1'));
    const c = sink.send('t', msgs('c1', 'c2'));
    expect(sends).toHaveLength(1);
    expect(await settled(b)).toBe('pending');

    sends[0]!.ack();
    await a;
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]!.values).toEqual(['b1', 'c1', 'c2']);
    // Acknowledged only with the produce that carried them.
    expect(await settled(b)).toBe('pending');
    sends[1]!.ack();
    await Promise.all([b, c]);
  });

  it('fails every request of a failed produce, and carries on with the next ones', async () => {
    const { producer, sends } = fakeProducer();
    const sink = createKafkaSink(producer);
    const a = sink.send('t', msgs('a'));
    const b = sink.send('t', msgs('b'));
    const c = sink.send('t', msgs('c'));
    sends[0]!.ack();
    await a;
    await expect.poll(() => sends.length).toBe(2);
    sends[1]!.fail(new Error('broker down'));
    await expect(b).rejects.toThrow('broker down');
    await expect(c).rejects.toThrow('broker down');
    const d = sink.send('t', msgs('d'));
    await expect.poll(() => sends.length).toBe(3);
    expect(sends[2]!.values).toEqual(['d']);
    sends[2]!.ack();
    await d;
  });

  it('keeps produces under maxProduceBytes and splits a request that is bigger', async () => {
    const { producer, sends } = fakeProducer();
    const sink = createKafkaSink(producer, { maxProduceBytes: 10 });
    const first = sink.send('t', msgs('x'));
    const big = sink.send('t', msgs('aaaa', 'bbbb', 'cccc')); // 5 bytes each with the key
    const small = sink.send('t', msgs('d'));
    sends[0]!.ack();
    await first;
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]!.values).toEqual(['aaaa', 'bbbb']);
    sends[1]!.ack();
    await expect.poll(() => sends.length).toBe(3);
    expect(sends[2]!.values).toEqual(['cccc', 'd']);
    expect(await settled(big)).toBe('pending');
    sends[2]!.ack();
    await Promise.all([big, small]);
  });

  it('counts UTF-8 bytes, not characters (a page in Japanese is three bytes a character)', async () => {
    const { producer, sends } = fakeProducer();
    const sink = createKafkaSink(producer, { maxProduceBytes: 10 });
    const first = sink.send('t', msgs('x'));
    const both = sink.send('t', msgs('ééé', 'ééé')); // 1 + 6 bytes each, 4 characters each
    sends[0]!.ack();
    await first;
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]!.values).toEqual(['ééé']);
    sends[1]!.ack();
    await expect.poll(() => sends.length).toBe(3);
    sends[2]!.ack();
    await both;
  });

  it('runs topics independently', async () => {
    const { producer, sends } = fakeProducer();
    const sink = createKafkaSink(producer);
    const a = sink.send('events', msgs('a'));
    const b = sink.send('dead-letter', msgs('b'));
    expect(sends.map((s) => s.topic)).toEqual(['events', 'dead-letter']);
    for (const s of sends) s.ack();
    await Promise.all([a, b]);
  });
});
