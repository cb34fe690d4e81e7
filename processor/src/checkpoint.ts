// The commit log of one Kafka partition on HDFS: lake files, state checkpoint and offset become
// durable together, and an owner that lost the partition can no longer commit. Layout under
// <root>/_processor/<topic>/p<N>/ (outside the lake's tables):
//
//   log/<seq>.json      entries: { seq, kind: claim|commit, owner, offset, state, parts[{key, path}],
//                       files[{tmp, final}] }
//   state/<seq>.bin     the partition's state after `offset` (PartitionStream.snapshot), but for
//   state/<seq>-<i>.bin its parts: the duplicate filter's ids, an hour of receipt each. A part is
//                       written by the first commit that has it and named by later ones while its
//                       key (the hour, its count of ids and their sum) stays the same, so a commit
//                       writes the hours that changed, not the whole filter (a day of ids by default)
//   tmp/<seq>/          files of a commit before they are renamed into the tables
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
import type { StateSnapshot } from './partition-stream.ts';

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
  /** The state's parts in order, each a file of this commit or an earlier one (none before version 2). */
  readonly parts?: ReadonlyArray<{ readonly key: string; readonly path: string }>;
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
  /** The checkpointed state (its main file and parts), or null for a partition never committed. */
  readonly state: { readonly main: Uint8Array; readonly parts: Uint8Array[] } | null;
}

export interface CommitResult {
  readonly entry: LogEntry;
  /** Bytes of state written by this commit: the main file and the parts no earlier commit had. */
  readonly stateBytes: number;
}

const seqName = (seq: number) => String(seq).padStart(12, '0');
const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

export class PartitionLog {
  readonly #hdfs: WebHdfsClient;
  readonly #dir: string;
  readonly #owner: string;
  #seq = -1;
  #state: string | null = null;
  /** The parts of the newest entry's state: key -> path. */
  #parts = new Map<string, string>();
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
        parts: latest?.parts ?? [],
        files: [],
      };
      if (!(await this.#create(claim))) continue; // someone wrote that seq meanwhile: look again
      this.#seq = seq;
      this.#state = claim.state;
      const parts = claim.parts ?? [];
      this.#parts = new Map(parts.map((p) => [p.key, p.path]));
      // Files of commits that never happened (their owner is fenced now).
      await this.#hdfs.delete(`${this.#dir}/tmp`, { recursive: true });
      await this.#deleteStateBut(new Set([claim.state, ...this.#parts.values()]));
      const state =
        claim.state === null
          ? null
          : {
              main: await this.#hdfs.open(claim.state),
              parts: await Promise.all(parts.map((p) => this.#hdfs.open(p.path))),
            };
      return { epoch: seq, offset: BigInt(claim.offset), state };
    }
    throw new Error(`could not claim ${this.#dir}: its commit log kept changing`);
  }

  /** Deletes the state files of commits that never happened (a crash or a fenced owner's). */
  async #deleteStateBut(keep: ReadonlySet<string | null>): Promise<void> {
    let names: string[];
    try {
      names = (await this.#hdfs.listStatus(`${this.#dir}/state`)).map((s) => s.pathSuffix);
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return;
      throw err;
    }
    const stale = names.map((name) => `${this.#dir}/state/${name}`).filter((path) => !keep.has(path));
    await Promise.all(stale.map((path) => this.#hdfs.delete(path)));
  }

  /** Whether the newest entry's state has a part of this key (a snapshot need not serialize it). */
  stores(key: string): boolean {
    return this.#parts.has(key);
  }

  /**
   * Makes `files` and `state` durable as of `offset`, atomically: all of them or none. Throws
   * FencedError when another owner claimed the partition since this one did.
   */
  async commit(
    offset: bigint,
    state: StateSnapshot,
    files: ReadonlyArray<{ readonly final: string; readonly bytes: Uint8Array; readonly rows: number }>,
  ): Promise<CommitResult> {
    if (this.#seq < 0) throw new Error('commit before claim');
    const seq = this.#seq + 1;
    // Each part is the newest state's file of its key, or a new file of this commit. A part neither
    // given nor stored (a bug) is refused before anything is written.
    const plan = state.parts.map((part, i) => {
      const stored = this.#parts.get(part.key);
      if (stored !== undefined) return { key: part.key, path: stored, bytes: null };
      if (!part.bytes) throw new Error(`${this.#dir}: state part ${part.key} is neither given nor stored`);
      return { key: part.key, path: `${this.#dir}/state/${seqName(seq)}-${i}.bin`, bytes: part.bytes };
    });
    const tmpDir = `${this.#dir}/tmp/${seqName(seq)}`;
    const committed: CommitFile[] = [];
    for (const [i, f] of files.entries()) {
      const tmp = `${tmpDir}/${i}.parquet`;
      await this.#hdfs.create(tmp, f.bytes, { overwrite: true });
      committed.push({ tmp, final: f.final, rows: f.rows });
    }
    const statePath = `${this.#dir}/state/${seqName(seq)}.bin`;
    await this.#hdfs.create(statePath, state.main, { overwrite: true });
    let stateBytes = state.main.byteLength;
    for (const { path, bytes } of plan) {
      if (!bytes) continue;
      await this.#hdfs.create(path, bytes, { overwrite: true });
      stateBytes += bytes.byteLength;
    }
    const parts = plan.map(({ key, path }) => ({ key, path }));
    const entry: LogEntry = {
      seq,
      kind: 'commit',
      owner: this.#owner,
      at: new Date().toISOString(),
      offset: offset.toString(),
      state: statePath,
      parts,
      files: committed,
    };
    if (!(await this.#create(entry))) {
      throw new FencedError(
        `${this.#dir}: seq ${seq} was taken by another owner; this one lost the partition`,
      );
    }
    this.#seq = seq;
    await this.#finish(entry);
    // Keep the newest two entries and the newest state with its parts; nothing refers to the rest.
    const previousState = this.#state;
    const kept = new Set(parts.map((p) => p.path));
    const dropped = [...this.#parts.values()].filter((path) => !kept.has(path));
    this.#state = statePath;
    this.#parts = new Map(parts.map((p) => [p.key, p.path]));
    await Promise.all([
      files.length > 0 ? this.#hdfs.delete(tmpDir, { recursive: true }) : Promise.resolve(true),
      seq >= 2 ? this.#hdfs.delete(this.#entryPath(seq - 2)) : Promise.resolve(true),
      previousState ? this.#hdfs.delete(previousState) : Promise.resolve(true),
      ...dropped.map((path) => this.#hdfs.delete(path)),
    ]);
    return { entry, stateBytes };
  }
}
