// One owned Kafka partition: its stream state, its lake files and its commit log. The consumer
// hands it messages; a timer makes it flush rows to PostgreSQL (often) and commit (less often):
//
//   handle(messages)  decode -> dead letters | PartitionStream.apply -> lake buffer; advance
//   flush()           changed rows -> PostgreSQL (fenced by epoch); closed sessions -> lake buffer
//   commit()          flush, then lake files + state checkpoint in one commit-log entry (HDFS);
//                     returns the offset the consumer may commit to Kafka
//
// Every step of a task is serialised by `#exclusive`, so the timer and the consumer never interleave.
// After any failure the task is thrown away and a fresh one claims the partition again from its
// last checkpoint; nothing half-applied survives.
import type { IncomingBatch, OutgoingMessage } from '@clickstream/infra/kafka';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { DEAD_LETTER_HEADERS, type LakeLayout, type Topics, toLakeRow } from '@clickstream/schema';
import { PartitionLog } from './checkpoint.ts';
import { decode } from './decode.ts';
import { LakeWriter, type LakeWriterSettings } from './lake-writer.ts';
import { PartitionStream, type StreamSettings } from './partition-stream.ts';
import type { PostgresSink } from './postgres-sink.ts';

export interface DeadLetterSink {
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<unknown>;
}

export interface TaskSettings extends StreamSettings, LakeWriterSettings {
  readonly commitMs: number;
  readonly commitRows: number;
}

export interface TaskDeps {
  readonly hdfs: WebHdfsClient;
  readonly lake: LakeLayout;
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

/** What a commit made durable: offsets `from`..`offset`, written as `files` whole files. */
export interface Committed {
  readonly from: bigint;
  readonly offset: bigint;
  readonly files: number;
  readonly bytes: number;
}

export class PartitionTask {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly #deps: TaskDeps;
  readonly #log: PartitionLog;
  readonly #stream: PartitionStream;
  readonly #lake: LakeWriter;
  readonly #now: () => number;
  /** Last offset durable in the lake and checkpoint. */
  committed: bigint;
  #firstUncommittedAt: number | null = null;
  #lastMessageAt: number;
  #chain: Promise<unknown> = Promise.resolve();
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
    this.#lake = new LakeWriter(deps.lake, partition, deps.settings);
    this.#now = deps.now ?? Date.now;
    this.committed = stream.offset;
    this.#lastMessageAt = this.#now();
  }

  /** Claims the partition (HDFS commit log, then PostgreSQL) and restores its checkpoint. */
  static async claim(deps: TaskDeps, topic: string, partition: number): Promise<PartitionTask> {
    const dir = deps.lake.workDir(topic, partition);
    const log = new PartitionLog(deps.hdfs, dir, deps.owner);
    const claimed = await log.claim();
    await deps.sink.claim(topic, partition, dir, claimed.epoch, deps.owner);
    const stream = claimed.state
      ? PartitionStream.restore(claimed.state, deps.settings)
      : new PartitionStream(partition, deps.settings);
    return new PartitionTask(deps, topic, partition, log, claimed.epoch, stream);
  }

  /** Last offset applied to the state (>= committed). */
  get applied(): bigint {
    return this.#stream.offset;
  }

  #exclusive<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => {});
    return run;
  }

  handle(batch: IncomingBatch): Promise<HandleResult> {
    return this.#exclusive(() => this.#handle(batch));
  }

  async #handle({ messages }: IncomingBatch): Promise<HandleResult> {
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
      this.#lake.addEvent(offset, row);
    }
    // Dead letters are acknowledged before the offsets they came from can be committed.
    if (dead.length > 0) await this.#deps.deadLetters.send(this.#deps.topics.deadLetter, dead);
    if (applied + dead.length > 0) {
      this.#stream.advance();
      this.#lastMessageAt = this.#now();
      this.#firstUncommittedAt ??= this.#now();
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
   * partition behind (a rebalance paused fetching) is not idle. Committed at once, so a replay
   * never sees events on either side of the raise in a different order.
   */
  idle(idleMs: number, endOffset: bigint): Promise<Committed | null> {
    return this.#exclusive(async () => {
      if (!this.quietFor(idleMs) || this.#stream.offset + 1n < endOffset) return null;
      if (!this.#stream.raiseWatermark(this.#now() - this.#deps.settings.allowedLatenessMs)) return null;
      this.#stream.advance();
      this.#firstUncommittedAt ??= this.#now();
      return this.#commit();
    });
  }

  flush(): Promise<void> {
    return this.#exclusive(() => this.#flush(false));
  }

  async #flush(prune: boolean): Promise<void> {
    const changes = this.#stream.takeChanges();
    for (const s of changes.sessions) this.#lake.addSession(this.#stream.offset, s);
    const position = `${this.#stream.offset}/${this.committed}`;
    const unchanged = Object.values(changes).every((rows) => rows.length === 0);
    if (unchanged && !prune && position === this.#writtenPosition) return;
    this.#writtenPosition = position;
    const stats = this.#stream.stats();
    await this.#deps.sink.write(
      this.topic,
      this.partition,
      this.epoch,
      changes,
      {
        appliedOffset: this.#stream.offset,
        committedOffset: this.committed,
        watermark: this.#stream.watermark,
        maxEventTime: this.#stream.maxEventTime,
        totals: this.#stream.totals,
        dedupeIds: stats.dedupeIds,
        dedupeBytes: stats.dedupeBytes,
        openSessions: stats.openSessions,
      },
      prune && Number.isFinite(this.#stream.watermark) ? this.#stream.watermark - DAY_MS : null,
    );
  }

  /** Whether enough waits (rows or time) for a commit. */
  commitDue(): boolean {
    if (this.#firstUncommittedAt === null) return false;
    const { commitMs, commitRows } = this.#deps.settings;
    return this.#lake.buffered >= commitRows || this.#now() - this.#firstUncommittedAt >= commitMs;
  }

  /** Commits when due; returns the offset now durable, or null when nothing was committed. */
  commitIfDue(): Promise<Committed | null> {
    return this.#exclusive(async () => (this.commitDue() ? this.#commit() : null));
  }

  /** Commits whatever was applied (shutdown). */
  commitNow(): Promise<Committed | null> {
    return this.#exclusive(async () => (this.#stream.offset > this.committed ? this.#commit() : null));
  }

  async #commit(): Promise<Committed> {
    // PostgreSQL first: it then holds at least what the checkpoint will say.
    await this.#flush(true);
    const files = this.#lake.take();
    const offset = this.#stream.offset;
    const from = this.committed + 1n;
    await this.#log.commit(offset, this.#stream.snapshot(), files);
    this.committed = offset;
    this.#firstUncommittedAt = null;
    return { from, offset, files: files.length, bytes: files.reduce((n, f) => n + f.bytes.byteLength, 0) };
  }

  /** Rows waiting for the lake, open files: for progress lines. */
  figures() {
    return { buffered: this.#lake.buffered, openFiles: this.#lake.openFiles, ...this.#stream.stats() };
  }
}
