// The commit log's state on real HDFS: a checkpoint in parts writes only the parts no earlier
// commit has, names the rest, restores byte for byte in a new owner, and keeps on HDFS exactly the
// newest state's files.
import { randomUUID } from 'node:crypto';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { describe, expect, inject, it } from 'vitest';
import { FencedError, PartitionLog } from '../src/checkpoint.ts';
import type { StateSnapshot } from '../src/partition-stream.ts';

const infra = inject('infra');
const hdfs = new WebHdfsClient({ url: infra.webhdfsUrl, user: infra.hdfsUser });

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const snapshot = (main: string, parts: Array<[string, string | null]>): StateSnapshot => ({
  main: bytes(main),
  parts: parts.map(([key, body]) => ({ key, bytes: body === null ? null : bytes(body) })),
});

describe('PartitionLog: a checkpoint in parts (real HDFS)', () => {
  it('writes the parts that changed, restores all of them in a new owner, and deletes what no state names', async () => {
    const dir = `/test/checkpoint-${randomUUID()}`;
    const stateFiles = async () => (await hdfs.listStatus(`${dir}/state`)).map((s) => s.pathSuffix).sort();
    const a = new PartitionLog(hdfs, dir, 'owner-a');
    expect((await a.claim()).state).toBeNull();

    const first = await a.commit(
      5n,
      snapshot('main-1', [
        ['h1:3', 'aaa'],
        ['h2:2', 'bb'],
      ]),
      [],
    );
    expect(first.stateBytes).toBe('main-1'.length + 3 + 2);
    expect(await stateFiles()).toEqual(['000000000001-0.bin', '000000000001-1.bin', '000000000001.bin']);

    // h1 unchanged (the snapshot did not serialize it), h2 grew, h3 is new.
    expect(a.stores('h1:3')).toBe(true);
    const second = await a.commit(
      9n,
      snapshot('main-2', [
        ['h1:3', null],
        ['h2:3', 'bbb'],
        ['h3:1', 'c'],
      ]),
      [],
    );
    expect(second.stateBytes).toBe('main-2'.length + 3 + 1);
    expect(second.entry.parts?.map((p) => p.path.slice(dir.length))).toEqual([
      '/state/000000000001-0.bin',
      '/state/000000000002-1.bin',
      '/state/000000000002-2.bin',
    ]);
    expect(await stateFiles()).toEqual([
      '000000000001-0.bin',
      '000000000002-1.bin',
      '000000000002-2.bin',
      '000000000002.bin',
    ]);

    // A part given as stored that the log does not have fails the commit, never writes a hole.
    await expect(a.commit(10n, snapshot('main-x', [['h9:1', null]]), [])).rejects.toThrow(
      /neither given nor stored/,
    );

    const b = new PartitionLog(hdfs, dir, 'owner-b');
    const claimed = await b.claim();
    expect(claimed.offset).toBe(9n);
    expect(text(claimed.state?.main ?? new Uint8Array())).toBe('main-2');
    expect(claimed.state?.parts.map(text)).toEqual(['aaa', 'bbb', 'c']);
    expect(b.stores('h2:3')).toBe(true);
    await expect(a.commit(12n, snapshot('main-a', [['h1:3', null]]), [])).rejects.toThrow(FencedError);

    // The new owner drops h1 (its hour expired) and keeps h2 and h3 as they are. The fenced owner's
    // attempt left its state file behind (seq 3, the claim's); the next claim deletes it.
    const third = await b.commit(
      14n,
      snapshot('main-3', [
        ['h2:3', null],
        ['h3:1', null],
      ]),
      [],
    );
    expect(third.stateBytes).toBe('main-3'.length);
    expect(await stateFiles()).toEqual([
      '000000000002-1.bin',
      '000000000002-2.bin',
      '000000000003.bin',
      '000000000004.bin',
    ]);
    const c = new PartitionLog(hdfs, dir, 'owner-c');
    expect((await c.claim()).state?.parts.map(text)).toEqual(['bbb', 'c']);
    expect(await stateFiles()).toEqual(['000000000002-1.bin', '000000000002-2.bin', '000000000004.bin']);
    await hdfs.delete(dir, { recursive: true });
  });
});
