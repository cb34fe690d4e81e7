// The WebHDFS client against the real NameNode and DataNode started by global-setup.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import {
  HdfsAlreadyExistsError,
  HdfsError,
  HdfsNotFoundError,
  HdfsUnavailableError,
  WebHdfsClient,
} from '../src/webhdfs.ts';

const { webhdfsUrl, hdfsUser } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const freshDir = () => `/test/webhdfs-${randomUUID().slice(0, 8)}`;

describe('WebHDFS (real NameNode + DataNode)', () => {
  it('reports a live DataNode through JMX', async () => {
    const res = await fetch(`${webhdfsUrl}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`);
    const bean = ((await res.json()) as { beans: Array<{ NumLiveDataNodes: number; FSState: string }> })
      .beans[0];
    expect(bean).toMatchObject({ NumLiveDataNodes: 1, FSState: 'Operational' });
  });

  it('MKDIRS, CREATE (two steps), GETFILESTATUS, OPEN, APPEND, LISTSTATUS', async () => {
    const dir = freshDir();
    expect(await hdfs.mkdirs(`${dir}/a/b`)).toBe(true);
    await hdfs.create(`${dir}/a/b/hello.txt`, 'hello ');
    await hdfs.append(`${dir}/a/b/hello.txt`, 'wörld');
    expect(text(await hdfs.open(`${dir}/a/b/hello.txt`))).toBe('hello wörld');
    expect(text(await hdfs.open(`${dir}/a/b/hello.txt`, { offset: 6, length: 3 }))).toBe('wö');

    const status = await hdfs.getFileStatus(`${dir}/a/b/hello.txt`);
    expect(status).toMatchObject({ type: 'FILE', length: 12, owner: hdfsUser, replication: 1 });
    const listing = await hdfs.listStatus(`${dir}/a/b`);
    expect(listing.map((s) => s.pathSuffix)).toEqual(['hello.txt']);
    expect((await hdfs.listStatus(dir)).map((s) => [s.pathSuffix, s.type])).toEqual([['a', 'DIRECTORY']]);
  });

  it('round-trips binary data byte for byte (2 MiB)', async () => {
    const path = `${freshDir()}/blob.bin`;
    const data = randomBytes(2 * 1024 * 1024);
    await hdfs.create(path, data);
    expect(Buffer.from(await hdfs.open(path)).equals(data)).toBe(true);
  });

  it('RENAME moves atomically and refuses to overwrite', async () => {
    const dir = freshDir();
    await hdfs.create(`${dir}/_tmp/part-1`, 'one');
    await hdfs.create(`${dir}/part-0`, 'zero');
    await hdfs.mkdirs(`${dir}/final`);
    await hdfs.rename(`${dir}/_tmp/part-1`, `${dir}/final/part-1`);
    expect(await hdfs.exists(`${dir}/_tmp/part-1`)).toBe(false);
    expect(text(await hdfs.open(`${dir}/final/part-1`))).toBe('one');

    await hdfs.create(`${dir}/_tmp/part-2`, 'two');
    const clash = await hdfs.rename(`${dir}/_tmp/part-2`, `${dir}/part-0`).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(HdfsAlreadyExistsError);
    expect(text(await hdfs.open(`${dir}/part-0`))).toBe('zero');
    const missing = await hdfs.rename(`${dir}/_tmp/nothing`, `${dir}/final/x`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HdfsNotFoundError);
  });

  it('turns RemoteException bodies into typed errors', async () => {
    const dir = freshDir();
    const notFound = await hdfs.open(`${dir}/missing`).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(HdfsNotFoundError);
    expect(notFound).toMatchObject({
      status: 404,
      exception: 'FileNotFoundException',
      retriable: false,
      op: 'OPEN',
    });

    await hdfs.create(`${dir}/once`, 'x');
    const exists = await hdfs.create(`${dir}/once`, 'y').catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(HdfsAlreadyExistsError);
    expect(exists).toMatchObject({ exception: 'FileAlreadyExistsException', retriable: false });
    await hdfs.create(`${dir}/once`, 'z', { overwrite: true });
    expect(text(await hdfs.open(`${dir}/once`))).toBe('z');

    const appendMissing = await hdfs.append(`${dir}/nope`, 'x').catch((e: unknown) => e);
    expect(appendMissing).toBeInstanceOf(HdfsNotFoundError);
    const notADir = await hdfs.listStatus(`${dir}/nothing-here`).catch((e: unknown) => e);
    expect(notADir).toBeInstanceOf(HdfsError);
  });

  it('DELETE says whether something was deleted', async () => {
    const dir = freshDir();
    await hdfs.create(`${dir}/x/y`, 'y');
    const nonEmpty = await hdfs.delete(`${dir}/x`).catch((e: unknown) => e);
    expect(nonEmpty).toBeInstanceOf(HdfsError);
    expect(await hdfs.delete(`${dir}/x`, { recursive: true })).toBe(true);
    expect(await hdfs.delete(`${dir}/x`, { recursive: true })).toBe(false);
  });

  it('reports an unreachable NameNode as retriable and refuses relative paths', async () => {
    const nowhere = new WebHdfsClient({ url: 'http://127.0.0.1:1', user: hdfsUser, timeoutMs: 2_000 });
    const err = await nowhere.getFileStatus('/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HdfsUnavailableError);
    expect(err).toMatchObject({ retriable: true });
    await expect(hdfs.getFileStatus('relative/path')).rejects.toThrow(/absolute/);
  });
});
