// The commit log of one Kafka partition on HDFS: lake files, state checkpoint and offset become
// durable together, and an owner that lost the partition can no longer commit. Layout under
// <root>/_processor/<topic>/p<N>/ (outside the lake's tables):
//
//   log/<seq>.json    entries: { seq, kind: claim|commit, owner, offset, state, files[{tmp, final}] }
//   state/<seq>.bin   the partition's state after `offset` (PartitionStream.snapshot)
//   tmp/<seq>/        files of a commit before they are renamed into the tables
//
// An entry is created with overwrite=false: HDFS lets exactly one writer create a path, so the
// sequence number is a compare-and-set. A commit is: write tmp files and the state file, create
// log/<seq>.json (the commit point), rename each tmp file over its final path (atomic on HDFS,
// replacing the previous version of a growing file), then the caller commits the Kafka offset.
// A new owner first finishes the renames of the newest commit, then creates the next entry as a
// claim: from then on the previous owner's next entry collides (FencedError), and its epoch (the
// claim's seq) is stale in PostgreSQL too (postgres-sink.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { HdfsAlreadyExistsError, HdfsNotFoundError, type WebHdfsClient } from '@clickstream/infra/webhdfs';

export interface CommitFile {
  readonly tmp: string;
  readonly final: string;
  readonly rows: number;
}

export interface LogEntry {
  readonly seq: number;
  readonly kind: 'claim' | 'commit';
  readonly owner: string;
  readonly at: string;
  /** Last Kafka offset the state covers; "-1" before the first commit. */
  readonly offset: string;
  /** The state file (this commit's, or for a claim the one it continues from); null: no state yet. */
  readonly state: string | null;
  readonly files: readonly CommitFile[];
}

/** Another owner took the partition: stop writing for it. */
export class FencedError extends Error {
  override name = 'FencedError';
}

export interface Claimed {
  /** The claim's seq: this owner's fencing epoch. */
  readonly epoch: number;
  readonly offset: bigint;
  /** The checkpointed state, or null for a partition never committed. */
  readonly state: Uint8Array | null;
}

const seqName = (seq: number) => String(seq).padStart(12, '0');
const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

export class PartitionLog {
  readonly #hdfs: WebHdfsClient;
  readonly #dir: string;
  readonly #owner: string;
  #seq = -1;
  #state: string | null = null;
  readonly #madeDirs = new Set<string>();

  constructor(hdfs: WebHdfsClient, dir: string, owner: string) {
    this.#hdfs = hdfs;
    this.#dir = dir;
    this.#owner = owner;
  }

  #entryPath(seq: number) {
    return `${this.#dir}/log/${seqName(seq)}.json`;
  }

  async #seqs(): Promise<number[]> {
    try {
      const list = await this.#hdfs.listStatus(`${this.#dir}/log`);
      return list
        .map((s) => /^(\d{12})\.json$/.exec(s.pathSuffix)?.[1])
        .filter((s): s is string => s !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return [];
      throw err;
    }
  }

  /**
   * The entry, or null when it cannot be read whole: a writer died while creating it, so it never
   * committed (a few retries first, in case its writer is still closing the file).
   */
  async #read(seq: number): Promise<LogEntry | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return JSON.parse(new TextDecoder().decode(await this.#hdfs.open(this.#entryPath(seq)))) as LogEntry;
      } catch (err) {
        if (!(err instanceof SyntaxError) || attempt >= 3) {
          if (err instanceof SyntaxError) return null;
          throw err;
        }
        await sleep(500);
      }
    }
  }

  async #mkdirs(dir: string): Promise<void> {
    if (this.#madeDirs.has(dir)) return;
    await this.#hdfs.mkdirs(dir);
    this.#madeDirs.add(dir);
  }

  /** Moves a committed entry's files into place; a tmp file already gone was moved before. */
  async #finish(entry: LogEntry): Promise<void> {
    for (const f of entry.files) {
      if (!(await this.#hdfs.exists(f.tmp))) continue;
      await this.#mkdirs(parentOf(f.final));
      try {
        await this.#hdfs.rename(f.tmp, f.final, { overwrite: true });
      } catch (err) {
        // Another process finished the same entry in between.
        if (!(err instanceof HdfsNotFoundError) || (await this.#hdfs.exists(f.tmp))) throw err;
      }
    }
  }

  async #create(entry: LogEntry): Promise<boolean> {
    try {
      await this.#hdfs.create(this.#entryPath(entry.seq), JSON.stringify(entry), { overwrite: false });
      return true;
    } catch (err) {
      if (err instanceof HdfsAlreadyExistsError) return false;
      throw err;
    }
  }

  /** Takes the partition over: finishes the last commit, fences earlier owners, loads the state. */
  async claim(): Promise<Claimed> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const seqs = await this.#seqs();
      let latest: LogEntry | null = null;
      for (let i = seqs.length - 1; i >= 0 && latest === null; i--)
        latest = await this.#read(seqs[i] as number);
      if (latest?.kind === 'commit') await this.#finish(latest);
      const seq = (seqs[seqs.length - 1] ?? -1) + 1;
      const claim: LogEntry = {
        seq,
        kind: 'claim',
        owner: this.#owner,
        at: new Date().toISOString(),
        offset: latest?.offset ?? '-1',
        state: latest?.state ?? null,
        files: [],
      };
      if (!(await this.#create(claim))) continue; // someone wrote that seq meanwhile: look again
      this.#seq = seq;
      this.#state = claim.state;
      // Files of commits that never happened (their owner is fenced now).
      await this.#hdfs.delete(`${this.#dir}/tmp`, { recursive: true });
      const state = claim.state === null ? null : await this.#hdfs.open(claim.state);
      return { epoch: seq, offset: BigInt(claim.offset), state };
    }
    throw new Error(`could not claim ${this.#dir}: its commit log kept changing`);
  }

  /**
   * Makes `files` and `state` durable as of `offset`, atomically: all of them or none. Throws
   * FencedError when another owner claimed the partition since this one did.
   */
  async commit(
    offset: bigint,
    state: Uint8Array,
    files: ReadonlyArray<{ readonly final: string; readonly bytes: Uint8Array; readonly rows: number }>,
  ): Promise<LogEntry> {
    if (this.#seq < 0) throw new Error('commit before claim');
    const seq = this.#seq + 1;
    const tmpDir = `${this.#dir}/tmp/${seqName(seq)}`;
    const committed: CommitFile[] = [];
    for (const [i, f] of files.entries()) {
      const tmp = `${tmpDir}/${i}.parquet`;
      await this.#hdfs.create(tmp, f.bytes, { overwrite: true });
      committed.push({ tmp, final: f.final, rows: f.rows });
    }
    const statePath = `${this.#dir}/state/${seqName(seq)}.bin`;
    await this.#hdfs.create(statePath, state, { overwrite: true });
    const entry: LogEntry = {
      seq,
      kind: 'commit',
      owner: this.#owner,
      at: new Date().toISOString(),
      offset: offset.toString(),
      state: statePath,
      files: committed,
    };
    if (!(await this.#create(entry))) {
      throw new FencedError(
        `${this.#dir}: seq ${seq} was taken by another owner; this one lost the partition`,
      );
    }
    this.#seq = seq;
    await this.#finish(entry);
    // Keep the newest two entries and the newest state; nothing refers to the rest.
    const previousState = this.#state;
    this.#state = statePath;
    await Promise.all([
      files.length > 0 ? this.#hdfs.delete(tmpDir, { recursive: true }) : Promise.resolve(true),
      seq >= 2 ? this.#hdfs.delete(this.#entryPath(seq - 2)) : Promise.resolve(true),
      previousState ? this.#hdfs.delete(previousState) : Promise.resolve(true),
    ]);
    return entry;
  }
}
