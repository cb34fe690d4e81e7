// The lake half of the processor, on a worker thread: it turns the accepted events' Kafka bytes
// into lake rows again and keeps each partition's growing Parquet files (lake-writer.ts), so the
// main thread keeps only the stream state. Measured: without the lake half the main thread needs
// about half the CPU per event (bench/README.md). The main thread validated these exact bytes, so
// here they are only parsed. Messages are handled in the order they were posted: a `take` holds
// exactly the rows posted before it. See lake-client.ts for the other side.
import { parentPort } from 'node:worker_threads';
import { type CollectedEvent, lakeLayout, type SessionRow, toLakeRow } from '@clickstream/schema';
import { LakeWriter, type LakeWriterSettings, type PendingFile } from './lake-writer.ts';

export type LakeRequest =
  | {
      readonly op: 'open';
      readonly id: number;
      readonly lakeRoot: string;
      readonly partition: number;
      readonly settings: LakeWriterSettings;
    }
  | {
      readonly op: 'events';
      readonly id: number;
      /** The events' Kafka values, one after another; `ends[i]` is where event i ends. */
      readonly bytes: Uint8Array;
      readonly ends: Uint32Array;
      readonly offsets: BigInt64Array;
    }
  | { readonly op: 'sessions'; readonly id: number; readonly offset: bigint; readonly rows: SessionRow[] }
  | { readonly op: 'take'; readonly id: number; readonly seq: number }
  | { readonly op: 'close'; readonly id: number };

export type LakeReply =
  | {
      readonly op: 'taken';
      readonly id: number;
      readonly seq: number;
      readonly files: PendingFile[];
      readonly openFiles: number;
    }
  | { readonly op: 'failed'; readonly id: number; readonly seq: number; readonly error: string }
  /**
   * An `events` message was handled: its bytes are no longer waiting (backpressure), and the
   * writer's next commit would write `rewriteRows` rows again (LakeWriter.rewriteRows).
   */
  | { readonly op: 'done'; readonly id: number; readonly bytes: number; readonly rewriteRows: number };

interface Writer {
  readonly lake: LakeWriter;
  /** The first error while adding rows: the next take reports it instead of files. */
  failure: string | null;
}

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

const port = parentPort;
if (!port) throw new Error('lake-worker.ts runs as a worker thread');
const writers = new Map<number, Writer>();

function addEvents(w: Writer, { bytes, ends, offsets }: Extract<LakeRequest, { op: 'events' }>): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const event = JSON.parse(buf.toString('utf8', start, end)) as CollectedEvent;
    w.lake.addEvent(offsets[i] as bigint, toLakeRow(event));
    start = end;
  }
}

port.on('message', (m: LakeRequest) => {
  if (m.op === 'open') {
    writers.set(m.id, {
      lake: new LakeWriter(lakeLayout(m.lakeRoot), m.partition, m.settings),
      failure: null,
    });
    return;
  }
  const w = writers.get(m.id);
  if (m.op === 'close') {
    writers.delete(m.id);
    return;
  }
  if (m.op === 'take') {
    let reply: LakeReply;
    if (!w) reply = { op: 'failed', id: m.id, seq: m.seq, error: 'lake writer closed' };
    else if (w.failure) reply = { op: 'failed', id: m.id, seq: m.seq, error: w.failure };
    else {
      try {
        const files = w.lake.take();
        reply = { op: 'taken', id: m.id, seq: m.seq, files, openFiles: w.lake.openFiles };
      } catch (err) {
        w.failure = describe(err);
        reply = { op: 'failed', id: m.id, seq: m.seq, error: w.failure };
      }
    }
    // Each file's bytes are their own buffer (ParquetFile.render): hand them over, not copied.
    const transfer = reply.op === 'taken' ? reply.files.map((f) => f.bytes.buffer as ArrayBuffer) : [];
    port.postMessage(reply, transfer);
    return;
  }
  try {
    // Rows for a writer that was closed (its task was dropped) have nowhere to go.
    if (!w || w.failure) return;
    if (m.op === 'events') addEvents(w, m);
    else for (const row of m.rows) w.lake.addSession(m.offset, row);
  } catch (err) {
    if (w) w.failure = describe(err);
  } finally {
    if (m.op === 'events') {
      const rewriteRows = w?.lake.rewriteRows ?? 0;
      port.postMessage({ op: 'done', id: m.id, bytes: m.bytes.byteLength, rewriteRows } satisfies LakeReply);
    }
  }
});
