// When a partition commits (lake files, checkpoint, offsets). A commit renders each growing lake
// file it adds rows to whole again (lake-writer.ts), so at a steady trickle the bytes it writes grow
// with the hour: at 200 events/s a partition's hour file reaches about 15 MB, and commits every
// 10 s wrote about 2 MB/s of lake files for 12 KB/s of new rows (bench/README.md). So once the
// files a commit would write again are big, a commit waits (past `commitMs`) until its new rows
// are at least 1/`rewriteRatio` of the rows it writes again, and never longer than `commitMaxMs`:
// the bytes written per hour then grow with the file's size times the ratio, not with the number
// of commits. PostgreSQL does not wait for commits (its rows are flushed every PROCESSOR_FLUSH_MS),
// only the lake, the checkpoint and the Kafka offsets do.

export interface CommitSettings {
  /** A commit is due this long after the first uncommitted row... */
  readonly commitMs: number;
  /** ... or when this many rows wait for the lake. */
  readonly commitRows: number;
  /** At most this many rows already in the lake written again per new row (past the floor)... */
  readonly rewriteRatio: number;
  /** ... unless the first uncommitted row waited this long. */
  readonly commitMaxMs: number;
}

/**
 * Below this many rows to write again, commits follow `commitMs` alone: rewriting a file of 20,000
 * rows (about 1.2 MiB of events) every 10 s is cheap, and tests and quiet sites keep a lake that
 * follows within `commitMs`.
 */
export const REWRITE_FLOOR_ROWS = 20_000;
/** A read backlog commits no sooner than this after its first uncommitted row. */
const DRAINED_COMMIT_MS = 1_000;

export interface CommitState {
  /** Since the first uncommitted row, in ms. */
  readonly waited: number;
  /** Rows waiting for the lake. */
  readonly buffered: number;
  /** Rows already in the lake that the commit would write again (LakeWriter.rewriteRows). */
  readonly rewriteRows: number;
  /** A backlog was just read to its end: commit it now (at most once a second). */
  readonly drained: boolean;
}

export function commitDue(s: CommitState, settings: CommitSettings): boolean {
  if (s.buffered >= settings.commitRows) return true;
  if (s.drained && s.waited >= Math.min(settings.commitMs, DRAINED_COMMIT_MS)) return true;
  if (s.waited < settings.commitMs) return false;
  return (
    s.rewriteRows < REWRITE_FLOOR_ROWS ||
    s.rewriteRows <= settings.rewriteRatio * s.buffered ||
    s.waited >= settings.commitMaxMs
  );
}

/**
 * Whether a partition has just read a backlog to its end (CommitState.drained), from its batches:
 * a batch that ends short of Kafka's high watermark means there is a backlog; a later batch that
 * reaches it means the backlog is read. A commit takes everything applied so far, but a backlog
 * still being read when it starts stays one: a catch-up whose commit, due by rows, started between
 * its last two batches must still commit its tail at once, not `commitMs` later.
 */
export class Backlog {
  /** The latest batch ended short of the high watermark. */
  #short = false;
  /** A batch since the last commit began ended short: there was a backlog. */
  #behind = false;
  /** ... and a later batch reached the high watermark. */
  #drained = false;

  get drained(): boolean {
    return this.#drained;
  }

  /** After each batch: its last offset and the partition's high watermark (the next offset). */
  batch(lastOffset: bigint, highWatermark: bigint): void {
    this.#short = lastOffset + 1n < highWatermark;
    if (this.#short) this.#behind = true;
    else if (this.#behind) this.#drained = true;
  }

  /** A commit began: it takes everything so far. */
  commitStarted(): void {
    this.#behind = this.#short;
    this.#drained = false;
  }
}
