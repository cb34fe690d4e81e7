// One owned Kafka partition: its stream state, its lake files and its commit log. The consumer
// hands it messages; a timer makes it flush rows to PostgreSQL (often) and commit (less often):
//
//   handle(messages)  decode -> dead letters | PartitionStream.apply -> lake buffer; advance
//   flush()           changed rows -> PostgreSQL (fenced by epoch); closed sessions -> lake buffer
//   commit            flush, then lake files + state checkpoint in one commit-log entry (HDFS);
//                     resolves with the offset the consumer may commit to Kafka
//
// The state is only touched synchronously, so nothing interleaves with it. A commit takes its
// snapshot, its rows and its lake files in one synchronous step and then writes them in the
// background while the next messages are handled: the consumer never waits for HDFS. Writes keep
// their order: PostgreSQL writes one after the other (a later flush never lands before an earlier
// one), commits one at a time, and a commit's log entry only after its own PostgreSQL write and
// the dead letters of its offsets were acknowledged. After any failure the task is thrown away and a
// fresh one claims the partition again from its last checkpoint; nothing half-applied survives.
import type { IncomingBatch, OutgoingMessage } from '@clickstream/infra/kafka';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { DEAD_LETTER_HEADERS, type LakeLayout, type Topics, toLakeRow } from '@clickstream/schema';
import { PartitionLog } from './checkpoint.ts';
import { Backlog, type CommitSettings, commitDue } from './commit-policy.ts';
import { decode } from './decode.ts';
import type { LakeClient, LakeWorker } from './lake-client.ts';
import type { LakeWriterSettings } from './lake-writer.ts';
import { MINUTE_MS } from './minute-windows.ts';
import { PartitionStream, type StreamSettings } from './partition-stream.ts';
import type { PostgresSink } from './postgres-sink.ts';

export interface DeadLetterSink {
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<unknown>;
}

export interface TaskSettings extends StreamSettings, LakeWriterSettings, CommitSettings {}

export interface TaskDeps {
  readonly hdfs: WebHdfsClient;
  readonly lake: LakeLayout;
  /** Builds the lake files on its own thread (one per process). */
  readonly lakeWorker: LakeWorker;
  readonly sink: PostgresSink;
  readonly deadLetters: DeadLetterSink;
  readonly topics: Topics;
  readonly owner: string;
  readonly settings: TaskSettings;
  readonly now?: () => number;
}

export interface HandleResult {
  readonly applied: number;
  readonly skipped: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  readonly late: number;
}

const DAY_MS = 86_400_000;

/**
 * What a commit made durable: offsets `from`..`offset`, written as `files` whole files of `bytes`
 * in all, and a state checkpoint of which it wrote `stateBytes` (the parts it did not change are
 * earlier commits' files).
 */
export interface Committed {
  readonly from: bigint;
  readonly offset: bigint;
  readonly files: number;
  readonly bytes: number;
  readonly stateBytes: number;
}

export class PartitionTask {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly #deps: TaskDeps;
  readonly #log: PartitionLog;
  readonly #stream: PartitionStream;
  readonly #lake: LakeClient;
  readonly #now: () => number;
  /** Last offset durable in the lake and checkpoint. */
  committed: bigint;
  /** Last offset a commit was started for (>= committed). */
  #committing: bigint;
  #firstUncommittedAt: number | null = null;
  /** Whether a backlog was just read to its end: commit it now. */
  readonly #backlog = new Backlog();
  #lastMessageAt: number;
  /** PostgreSQL writes, in order. */
  #writes: Promise<unknown> = Promise.resolve();
  /** The commit in flight, if any. */
  #commit: Promise<Committed> | null = null;
  /** A commit that must be durable before more messages are applied (an idle watermark raise). */
  #barrier: Promise<unknown> | null = null;
  /** Dead-letter sends not yet acknowledged. */
  readonly #deadLetters = new Set<Promise<unknown>>();
  /** Set when a background write failed: the task is finished, callers must claim again. */
  #failure: unknown = null;
  /** Applied/committed offsets as last written to PostgreSQL (a flush without news is skipped). */
  #writtenPosition = '';

  private constructor(
    deps: TaskDeps,
    topic: string,
    partition: number,
    log: PartitionLog,
    epoch: number,
    stream: PartitionStream,
  ) {
    this.#deps = deps;
    this.topic = topic;
    this.partition = partition;
    this.#log = log;
    this.epoch = epoch;
    this.#stream = stream;
    this.#lake = deps.lakeWorker.open(deps.lake.root, partition, deps.settings);
    this.#now = deps.now ?? Date.now;
    this.committed = stream.offset;
    this.#committing = stream.offset;
    this.#lastMessageAt = this.#now();
  }

  /** Claims the partition (HDFS commit log, then PostgreSQL) and restores its checkpoint. */
  static async claim(deps: TaskDeps, topic: string, partition: number): Promise<PartitionTask> {
    const dir = deps.lake.workDir(topic, partition);
    const log = new PartitionLog(deps.hdfs, dir, deps.owner);
    const claimed = await log.claim();
    await deps.sink.claim(topic, partition, dir, claimed.epoch, deps.owner);
    const stream = claimed.state
      ? PartitionStream.restore(claimed.state.main, claimed.state.parts, deps.settings)
      : new PartitionStream(partition, deps.settings);
    return new PartitionTask(deps, topic, partition, log, claimed.epoch, stream);
  }

  /** Last offset applied to the state (>= committed). */
  get applied(): bigint {
    return this.#stream.offset;
  }

  #check(): void {
    if (this.#failure !== null) throw this.#failure;
  }

  /** Runs a background write; its failure finishes the task. */
  #background<T>(write: Promise<T>): Promise<T> {
    write.catch((err: unknown) => {
      this.#failure ??= err;
    });
    return write;
  }

  async handle({ messages, highWatermark }: IncomingBatch): Promise<HandleResult> {
    this.#check();
    if (this.#barrier) await this.#barrier;
    const lakeReady = this.#deps.lakeWorker.ready();
    if (lakeReady) await lakeReady;
    // Far behind on commits (HDFS slower than Kafka): wait for the one in flight.
    if (this.#commit && this.#lake.buffered >= 3 * this.#deps.settings.commitRows) await this.#commit;
    this.#check();
    let applied = 0;
    let skipped = 0;
    let duplicates = 0;
    let late = 0;
    const dead: OutgoingMessage[] = [];
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset <= this.#stream.offset) {
        skipped++;
        continue;
      }
      const d = decode(m.value);
      if (!d.ok) {
        dead.push({
          key: m.key?.toString('utf8') ?? null,
          value: m.value ?? new Uint8Array(),
          headers: {
            [DEAD_LETTER_HEADERS.reason]: d.reason,
            [DEAD_LETTER_HEADERS.detail]: d.detail.slice(0, 500),
            [DEAD_LETTER_HEADERS.stage]: 'processor',
            [DEAD_LETTER_HEADERS.source]: `${this.topic}/${this.partition}/${m.offset}`,
          },
        });
        this.#stream.skip(offset);
        continue;
      }
      const row = toLakeRow(d.event);
      const outcome = this.#stream.apply(offset, row);
      applied++;
      if (outcome === 'duplicate') {
        duplicates++;
        continue;
      }
      if (outcome === 'late') late++;
      // (decode accepted m.value, so it is there)
      this.#lake.addEvent(offset, m.value as Uint8Array);
    }
    this.#lake.send();
    const last = messages.at(-1);
    if (last !== undefined && highWatermark !== undefined)
      this.#backlog.batch(BigInt(last.offset), BigInt(highWatermark));
    if (applied + dead.length > 0) {
      this.#stream.advance();
      this.#lastMessageAt = this.#now();
      this.#firstUncommittedAt ??= this.#now();
    }
    // Dead letters must be acknowledged before the offsets they came from are committed.
    if (dead.length > 0) {
      const sent = this.#deps.deadLetters.send(this.#deps.topics.deadLetter, dead);
      this.#deadLetters.add(sent);
      await sent.finally(() => this.#deadLetters.delete(sent));
    }
    return { applied, skipped, deadLettered: dead.length, duplicates, late };
  }

  /** True when nothing arrived for `idleMs` (the caller then asks Kafka whether it is caught up). */
  quietFor(idleMs: number): boolean {
    return idleMs > 0 && this.#now() - this.#lastMessageAt >= idleMs;
  }

  /**
   * An idle partition: no message for `idleMs` and nothing unread in Kafka (`endOffset` is the
   * partition's next offset), so its watermark follows the clock (latest possible event time
   * minus the allowed lateness), closing what the events alone would leave open forever. A
   * partition behind (a rebalance paused fetching) is not idle. The raise is committed before
   * another message is applied, so a replay never sees events on either side of it in a different
   * order.
   */
  idle(idleMs: number, endOffset: bigint): Promise<Committed> | null {
    this.#check();
    if (this.#commit || !this.quietFor(idleMs) || this.#stream.offset + 1n < endOffset) return null;
    // The clock moves at every tick, but windows close on whole minutes: raised in whole minutes,
    // an idle partition commits (its whole state, to HDFS) at most once a minute, not every tick.
    const to = this.#now() - this.#deps.settings.allowedLatenessMs;
    if (!this.#stream.raiseWatermark(Math.floor(to / MINUTE_MS) * MINUTE_MS)) return null;
    this.#stream.advance();
    this.#firstUncommittedAt ??= this.#now();
    const done = this.#startCommit();
    // Settles either way: a failed commit is already the task's failure (#background), which
    // handle() checks after waiting here. A barrier that rejected would be a rejection nobody
    // handles while the partition stays idle, and Node ends the process on those.
    const clear = () => {
      this.#barrier = null;
    };
    this.#barrier = done.then(clear, clear);
    return done;
  }

  /** Writes the changed rows to PostgreSQL; resolves once they are written. */
  flush(): Promise<void> {
    this.#check();
    return this.#background(this.#flush(false));
  }

  /** Takes the changed rows now and queues their write after the earlier ones. */
  #flush(prune: boolean): Promise<void> {
    const changes = this.#stream.takeChanges();
    this.#lake.addSessions(this.#stream.offset, changes.sessions);
    const position = `${this.#stream.offset}/${this.committed}`;
    const unchanged = Object.values(changes).every((rows) => rows.length === 0);
    if (unchanged && !prune && position === this.#writtenPosition) return this.#writes.then(() => {});
    this.#writtenPosition = position;
    const stats = this.#stream.stats();
    const figures = {
      appliedOffset: this.#stream.offset,
      committedOffset: this.committed,
      watermark: this.#stream.watermark,
      maxEventTime: this.#stream.maxEventTime,
      totals: { ...this.#stream.totals },
      dedupeIds: stats.dedupeIds,
      dedupeBytes: stats.dedupeBytes,
      openSessions: stats.openSessions,
    };
    const pruneBefore =
      prune && Number.isFinite(this.#stream.watermark) ? this.#stream.watermark - DAY_MS : null;
    const write = this.#writes.then(() =>
      this.#deps.sink.write(this.topic, this.partition, this.epoch, changes, figures, pruneBefore),
    );
    this.#writes = write.catch(() => {});
    return write;
  }

  /**
   * Whether enough waits (rows or time, commit-policy.ts) for a commit, or a backlog was just read
   * to its end: a processor catching up commits it at once rather than `commitMs` later, so the
   * lake and the offsets follow as soon as it is caught up. At most once a second (a consumer that
   * keeps up only just, behind and caught up by turns, must not commit at every fetch).
   */
  commitDue(): boolean {
    if (this.#firstUncommittedAt === null || this.#commit) return false;
    const state = {
      waited: this.#now() - this.#firstUncommittedAt,
      buffered: this.#lake.buffered,
      rewriteRows: this.#lake.rewriteRows,
      drained: this.#backlog.drained,
    };
    return commitDue(state, this.#deps.settings);
  }

  /** Starts a commit when due; resolves when it is durable (null: nothing was due). */
  commitIfDue(): Promise<Committed> | null {
    this.#check();
    return this.commitDue() ? this.#startCommit() : null;
  }

  /** Commits whatever was applied (shutdown), after the commit in flight. */
  async commitNow(): Promise<Committed | null> {
    this.#check();
    if (this.#commit) await this.#commit;
    return this.#stream.offset > this.committed ? this.#startCommit() : null;
  }

  /**
   * Takes everything the commit needs in one synchronous step (rows for PostgreSQL, the lake
   * files, the state snapshot, the offset), then writes in the background: PostgreSQL first (it
   * then holds at least what the checkpoint will say), the dead letters acknowledged, then the
   * commit-log entry with the files and the state.
   */
  #startCommit(): Promise<Committed> {
    const pgWrite = this.#flush(true);
    const taking = this.#lake.take();
    // Awaited below, after the earlier commit; a failure before then is that await's, not unhandled.
    taking.catch(() => {});
    const state = this.#stream.snapshot((key) => this.#log.stores(key));
    const offset = this.#stream.offset;
    const from = this.#committing + 1n;
    this.#committing = offset;
    this.#firstUncommittedAt = null;
    this.#backlog.commitStarted();
    const deadLetters = [...this.#deadLetters];
    const previous = this.#commit ?? Promise.resolve();
    const commit = (async (): Promise<Committed> => {
      await previous;
      await pgWrite;
      await Promise.all(deadLetters);
      const files = await taking;
      const { stateBytes } = await this.#log.commit(offset, state, files);
      this.committed = offset;
      return {
        from,
        offset,
        files: files.length,
        bytes: files.reduce((n, f) => n + f.bytes.byteLength, 0),
        stateBytes,
      };
    })();
    this.#commit = commit;
    const settle = () => {
      if (this.#commit === commit) this.#commit = null;
    };
    commit.then(settle, settle);
    return this.#background(commit);
  }

  /** Frees this task's lake files in the worker (the task was dropped; a take already asked for
   * is answered first). */
  close(): void {
    this.#lake.close();
  }

  /** Rows waiting for the lake, open files: for progress lines. */
  figures() {
    return { buffered: this.#lake.buffered, openFiles: this.#lake.openFiles, ...this.#stream.stats() };
  }
}
