// The main thread's side of the lake worker (lake-worker.ts): one worker per process, one writer
// in it per partition task. A task hands over each accepted event's Kafka value (copied into one
// buffer per batch, moved to the worker, not cloned) and its closed sessions; a commit asks for
// the files with `take`, which holds exactly what was handed over before it. A worker that fails
// or exits fails every take after it, so no commit goes through without its lake files.
import { Worker } from 'node:worker_threads';
import type { SessionRow } from '@clickstream/schema';
import type { LakeReply, LakeRequest } from './lake-worker.ts';
import type { LakeWriterSettings, PendingFile } from './lake-writer.ts';

/**
 * The worker's entry: lake-worker.ts itself where Node strips types (Node 22.18+, the images), and
 * through tsx's loader where it does not (Node 20 in development; a worker does not inherit the
 * main thread's `--import tsx`).
 */
function bootstrap(): URL {
  const entry = new URL('./lake-worker.ts', import.meta.url).href;
  const strips = (process.features as { typescript?: string | false }).typescript;
  const tsx = strips ? null : import.meta.resolve('tsx/esm/api');
  const code = `${tsx ? `(await import(${JSON.stringify(tsx)})).register();\n` : ''}await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Event bytes the worker may be behind by before the consumer waits for it (see ready()). */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;

interface Taken {
  readonly files: PendingFile[];
  readonly openFiles: number;
}

interface Waiting {
  resolve: (taken: Taken) => void;
  reject: (err: Error) => void;
}

export class LakeWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #clients = new Map<number, LakeClient>();
  #nextId = 0;
  #nextSeq = 0;
  #failure: Error | null = null;
  /** Bytes of events handed over that the worker has not handled yet. */
  #inFlight = 0;
  /** While the consumer waits for the worker to catch up (see ready()). */
  #draining: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;
  readonly #onFailure: (err: Error) => void;

  /** `onFailure`: the worker failed or exited; no commit can go through any more. */
  constructor(onFailure: (err: Error) => void = () => {}) {
    this.#onFailure = onFailure;
    this.#worker = new Worker(bootstrap());
    // The process ends when its work does (main.ts exits explicitly); the worker does not hold it.
    this.#worker.unref();
    this.#worker.on('message', (reply: LakeReply) => {
      if (reply.op === 'done') {
        const client = this.#clients.get(reply.id);
        if (client) client.rewriteRows = reply.rewriteRows;
        this.#inFlight -= reply.bytes;
        if (this.#inFlight <= MAX_IN_FLIGHT) this.#release();
        return;
      }
      const waiting = this.#waiting.get(reply.seq);
      if (!waiting) return;
      this.#waiting.delete(reply.seq);
      if (reply.op === 'taken') waiting.resolve(reply);
      else waiting.reject(new Error(`lake worker: ${reply.error}`));
    });
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`lake worker exited (code ${code})`)));
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#release();
    this.#onFailure(err);
    for (const w of this.#waiting.values()) w.reject(this.#failure);
    this.#waiting.clear();
  }

  /** A writer for one partition task's files. */
  open(lakeRoot: string, partition: number, settings: LakeWriterSettings): LakeClient {
    const id = this.#nextId++;
    this.post({
      op: 'open',
      id,
      lakeRoot,
      partition,
      settings: { fileBytes: settings.fileBytes, openFiles: settings.openFiles },
    });
    const client = new LakeClient(this, id);
    this.#clients.set(id, client);
    return client;
  }

  post(m: LakeRequest, transfer: ArrayBuffer[] = []): void {
    if (m.op === 'close') this.#clients.delete(m.id);
    if (this.#failure) return;
    if (m.op === 'events') this.#inFlight += m.bytes.byteLength;
    this.#worker.postMessage(m, transfer);
  }

  /**
   * Resolves once the worker is less than MAX_IN_FLIGHT bytes behind: the consumer waits here
   * rather than queue events for a worker that is slower than it (on a busy machine it can be).
   */
  ready(): Promise<void> | null {
    if (this.#inFlight <= MAX_IN_FLIGHT || this.#failure) return null;
    if (!this.#draining) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#draining = { promise, resolve };
    }
    return this.#draining.promise;
  }

  #release(): void {
    this.#draining?.resolve();
    this.#draining = null;
  }

  take(id: number): Promise<Taken> {
    if (this.#failure) return Promise.reject(this.#failure);
    const seq = this.#nextSeq++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(seq, { resolve, reject });
      this.#worker.postMessage({ op: 'take', id, seq } satisfies LakeRequest);
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** One partition task's lake files, written by the worker. */
export class LakeClient {
  readonly #worker: LakeWorker;
  readonly #id: number;
  #values: Uint8Array[] = [];
  #offsets: bigint[] = [];
  #bytes = 0;
  /** Rows handed over since the last take. */
  buffered = 0;
  /** Growing files the worker keeps open, as of the last take. */
  openFiles = 0;
  /**
   * Rows already in the lake that the next commit would write again, as of the last batch the
   * worker handled (LakeWriter.rewriteRows).
   */
  rewriteRows = 0;

  constructor(worker: LakeWorker, id: number) {
    this.#worker = worker;
    this.#id = id;
  }

  /** An accepted event's Kafka value (valid JSON of a collected event); sent with `send`. */
  addEvent(offset: bigint, value: Uint8Array): void {
    this.#values.push(value);
    this.#offsets.push(offset);
    this.#bytes += value.byteLength;
    this.buffered++;
  }

  /** Hands the events added since the last call to the worker, in one message. */
  send(): void {
    const n = this.#values.length;
    if (n === 0) return;
    const bytes = new Uint8Array(this.#bytes);
    const ends = new Uint32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const v = this.#values[i] as Uint8Array;
      bytes.set(v, at);
      at += v.byteLength;
      ends[i] = at;
    }
    const offsets = BigInt64Array.from(this.#offsets);
    this.#values = [];
    this.#offsets = [];
    this.#bytes = 0;
    this.#worker.post({ op: 'events', id: this.#id, bytes, ends, offsets }, [
      bytes.buffer,
      ends.buffer,
      offsets.buffer,
    ]);
  }

  /** Closed sessions, filed where they closed (`offset`). */
  addSessions(offset: bigint, rows: SessionRow[]): void {
    if (rows.length === 0) return;
    this.buffered += rows.length;
    this.#worker.post({ op: 'sessions', id: this.#id, offset, rows });
  }

  /** Every file with the rows handed over so far (see LakeWriter.take). */
  take(): Promise<PendingFile[]> {
    this.send();
    this.buffered = 0;
    return this.#worker.take(this.#id).then(({ files, openFiles }) => {
      this.openFiles = openFiles;
      // Every batch handed over before the take was reported before it; later ones report next.
      this.rewriteRows = 0;
      return files;
    });
  }

  /** Frees the worker's files for this task (after any take already asked for). */
  close(): void {
    this.#values = [];
    this.#offsets = [];
    this.#worker.post({ op: 'close', id: this.#id });
  }
}
