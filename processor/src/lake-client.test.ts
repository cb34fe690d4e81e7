// The lake worker through its client: files hold exactly the events handed over before each take,
// read back as the lake rows of those events; a value the worker cannot read fails the take
// instead of leaving the event out.
import { LAKE_COLUMNS, lakeLayout, toLakeRow } from '@clickstream/schema';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { syntheticTraffic } from '../test/helpers.ts';
import { LakeWorker } from './lake-client.ts';

const lake = lakeLayout('/lake-client-test');
const settings = { fileBytes: 16 * 1024 * 1024, openFiles: 8 };
const failures: Error[] = [];
const worker = new LakeWorker((err) => failures.push(err));
afterAll(() => worker.terminate());

const read = async (bytes: Uint8Array) =>
  parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  });

describe('LakeWorker', () => {
  it('writes the events handed over before each take, as their lake rows', async () => {
    const events = syntheticTraffic(3, 25_000, 200); // with client retries: a few more than 25k
    const n = events.length;
    const client = worker.open(lake.root, 1, settings);
    const hand = (from: number, to: number) => {
      for (let i = from; i < to; i++) client.addEvent(BigInt(i), Buffer.from(JSON.stringify(events[i])));
      client.send();
    };
    hand(0, 12_000); // more than a row group's worth in some hours: encoded before the take
    const first = await client.take();
    hand(12_000, 12_500);
    const taking = client.take(); // asked for before the next events: holds none of them
    hand(12_500, n);
    const second = await taking;
    const third = await client.take();
    const rowsOf = async (files: typeof first) =>
      (await Promise.all(files.map(async (f) => (await read(f.bytes)).map((r) => r.message_id)))).flat();
    // A commit writes every file it touched, whole: its rows are all of the file's rows so far.
    expect(new Set(await rowsOf(first))).toEqual(new Set(events.slice(0, 12_000).map((e) => e.messageId)));
    const all = new Set([...(await rowsOf(first)), ...(await rowsOf(second)), ...(await rowsOf(third))]);
    expect(all).toEqual(new Set(events.map((e) => e.messageId)));
    // The third take wrote a file for every hour the last events fell in.
    const hours = new Set(events.slice(12_500).map((e) => lake.hourDir(toLakeRow(e).event_time)));
    expect(new Set(third.map((f) => f.final.slice(0, f.final.lastIndexOf('/'))))).toEqual(hours);
    // Row for row the lake row of the event, whatever file it is in.
    const byId = new Map(events.map((e) => [e.messageId, toLakeRow(e)]));
    for (const f of third)
      for (const r of await read(f.bytes)) {
        const want = byId.get(r.message_id as string);
        expect(r.site_id).toBe(want?.site_id);
        expect((r.event_time as Date).getTime()).toBe(want?.event_time);
        expect(r.properties ?? null).toBe(want?.properties ?? null);
      }
    expect(Object.keys((await read(first[0]!.bytes))[0] ?? {})).toEqual(LAKE_COLUMNS.map((c) => c.name));
    client.close();
  }, 60_000);

  it('reports the rows a commit would write again: those of the growing files it adds to', async () => {
    const at = (hour: number, i: number) => {
      const [ev] = syntheticTraffic(10 + i, 1);
      const time = new Date(Date.UTC(2026, 11, 1, hour, 30)).toISOString();
      return Buffer.from(
        JSON.stringify({ ...ev, messageId: `m-${hour}-${i}`, timestamp: time, receivedAt: time }),
      );
    };
    const writer = (partition: number, fileBytes: number) => {
      const client = worker.open(lake.root, partition, { fileBytes, openFiles: 8 });
      let offset = 0n;
      const hand = (hour: number, count: number) => {
        for (let i = 0; i < count; i++) client.addEvent(offset++, at(hour, i));
        client.send();
      };
      return { client, hand };
    };
    const sorted = (files: readonly { rows: number }[]) => files.map((f) => f.rows).sort((a, b) => a - b);

    const { client, hand } = writer(4, 16 * 1024 * 1024);
    hand(1, 300);
    hand(2, 5);
    expect(sorted(await client.take())).toEqual([5, 300]);
    expect(client.rewriteRows).toBe(0);
    hand(1, 7); // hour 1's file (300 rows) is rendered again with these; hour 3's is new
    hand(3, 2);
    await vi.waitFor(() => expect(client.rewriteRows).toBe(300));
    hand(2, 1);
    await vi.waitFor(() => expect(client.rewriteRows).toBe(305));
    expect(sorted(await client.take())).toEqual([2, 6, 307]);
    expect(client.rewriteRows).toBe(0);
    client.close();

    // A full file is not written again: the next rows start a new one.
    const small = writer(5, 1024);
    small.hand(1, 300);
    expect(sorted(await small.client.take())).toEqual([300]);
    small.hand(1, 7);
    small.hand(2, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(small.client.rewriteRows).toBe(0);
    expect(sorted(await small.client.take())).toEqual([1, 7]);
    small.client.close();
  });

  it('fails the take when a value cannot be read, and the next ones', async () => {
    const client = worker.open(lake.root, 2, settings);
    client.addEvent(0n, Buffer.from(JSON.stringify(syntheticTraffic(4, 1)[0])));
    client.addEvent(1n, Buffer.from('{"not": "a collected event"'));
    client.send();
    await expect(client.take()).rejects.toThrow(/lake worker/);
    await expect(client.take()).rejects.toThrow(/lake worker/);
    client.close();
    // One task's failure is its own: the worker and the other writers go on.
    const other = worker.open(lake.root, 3, settings);
    other.addEvent(5n, Buffer.from(JSON.stringify(syntheticTraffic(5, 1)[0])));
    expect(await other.take()).toHaveLength(1);
    expect(failures).toEqual([]);
  });
});
