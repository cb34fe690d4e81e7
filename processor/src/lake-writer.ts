// The lake files of one Kafka partition (kept on the lake worker thread, lake-worker.ts): rows are
// encoded as they come, in row groups of GROUP_ROWS per folder, and each commit takes the files.
// Rather than a new small file per commit, each table partition (an hour of events, a day of
// sessions) has a current file that grows: a commit renders it again with the new rows and the
// commit log renames it over the previous version, one atomic step, so a reader sees the old or
// the new file and never both. A file is rolled (left as it is, and the next rows start a new one)
// once it reaches `fileBytes`, or when too many are open in memory. That keeps a quiet day at about
// one file per hour and partition, and a busy one at files of about `fileBytes`.
import type { LakeLayout, LakeRow, SessionRow } from '@clickstream/schema';
import { LAKE_COLUMNS, partitionOf, SESSION_COLUMNS } from '@clickstream/schema';
import { type ColumnSpec, ParquetFile } from './parquet-file.ts';

export interface LakeWriterSettings {
  /** A file takes new rows until it is this big (bytes of Parquet). */
  readonly fileBytes: number;
  /** Current files kept in memory per table (the least recently written is rolled first). */
  readonly openFiles: number;
}

/** A file to write in the next commit: the whole current version. */
export interface PendingFile {
  readonly final: string;
  readonly bytes: Uint8Array;
  readonly rows: number;
}

interface OpenFile<Row extends object> {
  readonly final: string;
  readonly file: ParquetFile<Row>;
  /** The commit interval (count of takes) that last wrote to it. */
  lastWrite: number;
}

/**
 * A folder's rows are encoded into its file in groups of this many as they come, not all at the
 * commit: so they are not kept as objects until then (a commit's rows were most of the memory).
 */
const GROUP_ROWS = 10_000;

/** One table's buffered rows and current files, keyed by the folder they go to. */
class TableWriter<Row extends object> {
  readonly #columns: readonly ColumnSpec[];
  readonly #settings: LakeWriterSettings;
  readonly #fileName: (firstOffset: bigint) => string;
  readonly #buffered = new Map<string, { firstOffset: bigint; rows: Row[] }>();
  readonly #open = new Map<string, OpenFile<Row>>();
  #commits = 0;
  rows = 0;
  /**
   * Rows already in the lake that the next commit writes again: those of the growing file of each
   * folder with rows waiting (a commit renders such a file whole). See commit-policy.ts.
   */
  rewriteRows = 0;

  constructor(
    columns: readonly ColumnSpec[],
    settings: LakeWriterSettings,
    fileName: (first: bigint) => string,
  ) {
    this.#columns = columns;
    this.#settings = settings;
    this.#fileName = fileName;
  }

  add(dir: string, offset: bigint, row: Row): void {
    const b = this.#buffered.get(dir);
    if (!b) {
      this.#buffered.set(dir, { firstOffset: offset, rows: [row] });
      this.rewriteRows += this.#continued(dir)?.file.rows ?? 0;
    } else {
      b.rows.push(row);
      if (b.rows.length >= GROUP_ROWS) {
        this.#fileFor(dir, b.firstOffset).file.appendGroup(b.rows);
        b.rows = [];
      }
    }
    this.rows++;
  }

  /**
   * The file this commit interval's rows of `dir` go to: the current one, or a new one if the
   * current one was full when the interval first wrote to the folder (a file never rolls between
   * two commits, so a commit writes one file per folder).
   */
  #fileFor(dir: string, firstOffset: bigint): OpenFile<Row> {
    const interval = this.#commits + 1;
    let open = this.#continued(dir);
    if (!open) {
      open = {
        final: `${dir}/${this.#fileName(firstOffset)}`,
        file: new ParquetFile<Row>(this.#columns),
        lastWrite: interval,
      };
      this.#open.set(dir, open);
    }
    open.lastWrite = interval;
    return open;
  }

  /** The open file of `dir` that this commit interval's rows would go on (not a full one). */
  #continued(dir: string): OpenFile<Row> | undefined {
    const open = this.#open.get(dir);
    if (!open) return undefined;
    if (open.lastWrite !== this.#commits + 1 && open.file.bytes >= this.#settings.fileBytes) return undefined;
    return open;
  }

  /** Renders every folder's current file with its buffered rows; empties the buffer. */
  take(): PendingFile[] {
    const pending: PendingFile[] = [];
    for (const [dir, { firstOffset, rows }] of this.#buffered) {
      const open = this.#fileFor(dir, firstOffset);
      open.file.append(rows);
      pending.push({ final: open.final, bytes: open.file.render(), rows: open.file.rows });
    }
    this.#commits++;
    this.#buffered.clear();
    this.rows = 0;
    this.rewriteRows = 0;
    this.#roll();
    return pending;
  }

  /** Forgets full files and, beyond the limit, the least recently written ones. */
  #roll(): void {
    for (const [dir, open] of this.#open)
      if (open.file.bytes >= this.#settings.fileBytes) this.#open.delete(dir);
    if (this.#open.size <= this.#settings.openFiles) return;
    const byAge = [...this.#open.entries()].sort((a, b) => a[1].lastWrite - b[1].lastWrite);
    for (const [dir] of byAge.slice(0, this.#open.size - this.#settings.openFiles)) this.#open.delete(dir);
  }

  get openFiles(): number {
    return this.#open.size;
  }
}

export class LakeWriter {
  readonly #events: TableWriter<LakeRow>;
  readonly #sessions: TableWriter<SessionRow>;
  readonly #lake: LakeLayout;

  constructor(lake: LakeLayout, kafkaPartition: number, settings: LakeWriterSettings) {
    this.#lake = lake;
    const name = (first: bigint) => lake.dataFileName(kafkaPartition, first);
    this.#events = new TableWriter(LAKE_COLUMNS, settings, name);
    this.#sessions = new TableWriter(SESSION_COLUMNS, settings, name);
  }

  addEvent(offset: bigint, row: LakeRow): void {
    const { dt, hour } = partitionOf(row.event_time);
    this.#events.add(`${this.#lake.dayDir(dt)}/hour=${hour}`, offset, row);
  }

  /** A closed session, filed under the UTC day of its start; `offset` is where it closed. */
  addSession(offset: bigint, row: SessionRow): void {
    this.#sessions.add(this.#lake.sessionsDayDir(partitionOf(row.session_start).dt), offset, row);
  }

  /** Rows waiting for the next commit. */
  get buffered(): number {
    return this.#events.rows + this.#sessions.rows;
  }

  /** Rows already in the lake that the next commit writes again (its growing files' rows). */
  get rewriteRows(): number {
    return this.#events.rewriteRows + this.#sessions.rewriteRows;
  }

  take(): PendingFile[] {
    return [...this.#events.take(), ...this.#sessions.take()];
  }

  get openFiles(): number {
    return this.#events.openFiles + this.#sessions.openFiles;
  }
}
