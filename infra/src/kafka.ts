// The thin Kafka access module every service uses (kafkajs underneath): create topics, produce
// with acks=all, consume in a group and commit only after the handler succeeded.
import kafkajs, {
  type Admin,
  type Consumer,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';

// kafkajs is CommonJS; its named exports are reached through the default export under NodeNext.
const { Kafka: KafkaClient, logLevel: LogLevel, CompressionTypes, Partitioners } = kafkajs;

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** kafkajs's own logging; `error` by default (it is chatty while brokers come and go). */
  readonly logLevel?: KafkaLogLevel;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** How many times kafkajs retries a retriable failure before giving up (default 5). */
  readonly retries?: number;
}

const LEVELS = {
  nothing: LogLevel.NOTHING,
  error: LogLevel.ERROR,
  warn: LogLevel.WARN,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
} as const;

// Conditions kafkajs retries by itself (a broker or group coordinator still starting, a leader
// election). They are normal while Kafka starts, so they are reported as one calm line, not as errors.
const TRANSIENT =
  /coordinator is (loading|not available)|leader(ship)? election|not the leader|no leader|Restarting the consumer|LEADER_NOT_AVAILABLE/i;

const LEVEL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(LEVELS).map(([name, level]) => [level, name.toUpperCase()]),
);

type LogEntry = { namespace: string; level: number; log: { message: string; error?: string } };

/** One line per kafkajs log entry on stderr, e.g. `kafkajs ERROR [Consumer] Crash: ...`. */
function logCreator(clientId: string) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const text = `${log.message}${log.error ? `: ${log.error}` : ''}`.split('\n')[0] ?? '';
      const transient = TRANSIENT.test(text);
      const label = transient ? 'retrying' : (LEVEL_NAMES[level] ?? String(level));
      console.error(`kafkajs ${label} (${clientId}) [${namespace}] ${text}`);
    };
}

/**
 * Whether a process warning is kafkajs 2.2.4's negative timer: its request queue schedules the
 * next check `throttledUntil - Date.now()` ms ahead, a large negative number when nothing is
 * throttled (https://github.com/tulios/kafkajs/issues/1751, not fixed in a release). Node 24 warns
 * "TimeoutNegativeWarning: -1796135106005 is a negative number" for the first such timer of a
 * process, at its first Kafka request, and runs it after 1 ms, which is what kafkajs means.
 */
export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && /[\\/]kafkajs[\\/]/.test(warning.stack ?? '');
}

const quieted = new WeakSet<NodeJS.EventEmitter>();

/**
 * Drops that warning (every service on Node 24, the images' Node, printed it at start, where it
 * reads as a fault); every other warning still reaches the listeners, Node's printer among them.
 */
export function quietKafkajsNegativeTimeouts(target: NodeJS.EventEmitter = process): void {
  if (quieted.has(target)) return;
  quieted.add(target);
  const listeners = target.listeners('warning') as Array<(warning: Error) => void>;
  target.removeAllListeners('warning');
  target.on('warning', (warning: Error) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    for (const listener of listeners) listener(warning);
  });
}

export function createKafka(opts: KafkaOptions): Kafka {
  quietKafkajsNegativeTimeouts();
  return new KafkaClient({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    logLevel: LEVELS[opts.logLevel ?? 'error'],
    logCreator: logCreator(opts.clientId),
    connectionTimeout: opts.connectionTimeoutMs ?? 3_000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    retry: { retries: opts.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
}

/**
 * Whether an error from this module (or kafkajs) may succeed when tried again later. kafkajs marks
 * an error non-retriable once its own retries are used up (`KafkaJSNumberOfRetriesExceeded`), but
 * the condition underneath (a refused connection, a leader election) is still transient, so the
 * cause chain decides.
 */
export function isRetriable(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions?: number;
  /** Default: replicationFor(the cluster's broker count). */
  readonly replicationFactor?: number;
  /** Topic-level configs, e.g. `{ 'retention.ms': '604800000' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Replicas per topic on a cluster of `brokers`: one per broker up to 3, and with 3 an acknowledged
 * (acks=all) write is on at least 2 of them, so one broker can be lost without losing it and without
 * refusing writes.
 */
export function replicationFor(brokers: number): { replicationFactor: number; minInsyncReplicas?: number } {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return replicationFactor >= 3 ? { replicationFactor, minInsyncReplicas: 2 } : { replicationFactor };
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Returns the created ones.
 * Without a `replicationFactor`, a topic is replicated as `replicationFor` says for the brokers the
 * cluster has now.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    const replication = replicationFor((await admin.describeCluster()).brokers.length);
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => {
        const config: Record<string, string> = { ...t.config };
        if (t.replicationFactor === undefined && replication.minInsyncReplicas !== undefined)
          config['min.insync.replicas'] ??= String(replication.minInsyncReplicas);
        return {
          topic: t.topic,
          numPartitions: t.partitions ?? 1,
          replicationFactor: t.replicationFactor ?? replication.replicationFactor,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        };
      }),
    });
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/** One metadata request: true when a broker answers and the cluster has `minBrokers`. Never throws. */
export async function probeKafka(brokers: readonly string[], minBrokers = 1): Promise<boolean> {
  const admin: Admin = createKafka({
    brokers,
    clientId: 'clickstream-probe',
    logLevel: 'nothing',
    retries: 0,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
  }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length >= Math.max(1, minBrokers);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export interface OutgoingMessage {
  readonly key: string | null;
  readonly value: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Most bytes (keys, values, headers) EventProducer puts in one produce request: half the broker's
 * default `message.max.bytes`, which also bounds one partition's record batch. */
export const MAX_SEND_BYTES = 512 * 1024;

/** A message's UTF-8 bytes: key, value and headers (what a produce request carries, before framing). */
export function messageBytes(m: {
  readonly key: string | null;
  readonly value: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}): number {
  let size = (m.key === null ? 0 : Buffer.byteLength(m.key)) + byteLength(m.value);
  if (m.headers)
    for (const k in m.headers) size += Buffer.byteLength(k) + Buffer.byteLength(m.headers[k] ?? '');
  return size;
}

/** Splits items, in order, into pieces of at most `maxBytes` by `sizeOf` (a single larger item alone). */
export function splitBySize<T>(
  items: readonly T[],
  maxBytes: number,
  sizeOf: (item: T) => number,
): Array<{ items: T[]; bytes: number }> {
  const pieces: Array<{ items: T[]; bytes: number }> = [];
  let piece: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (piece.length > 0 && bytes + size > maxBytes) {
      pieces.push({ items: piece, bytes });
      piece = [];
      bytes = 0;
    }
    piece.push(item);
    bytes += size;
  }
  if (piece.length > 0) pieces.push({ items: piece, bytes });
  return pieces;
}

/** EventProducer's pieces: at most `maxBytes`, counting 64 bytes of record framing per message. */
export function piecesOf(messages: readonly OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  return splitBySize(messages, maxBytes, (m) => 64 + messageBytes(m)).map((p) => p.items);
}

const byteLength = (v: string | Uint8Array) => (typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength);

export interface ProducerOptions {
  /**
   * Idempotent producer (default true): retries cannot write duplicates or reorder a partition.
   * kafkajs then allows one request in flight per broker.
   */
  readonly idempotent?: boolean;
  readonly compression?: 'none' | 'gzip';
  /** How long the broker may wait for all in-sync replicas (default 30 s). */
  readonly ackTimeoutMs?: number;
}

/**
 * A producer with a lifecycle: `connect()`, `send()` resolves only once every in-sync replica has
 * the messages (acks=all), `disconnect()` waits for in-flight sends. A failed send always rejects;
 * callers must never report success for it.
 */
export class EventProducer {
  readonly #producer: Producer;
  readonly #compression: number;
  readonly #ackTimeoutMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(kafka: Kafka, opts: ProducerOptions = {}) {
    const idempotent = opts.idempotent ?? true;
    this.#producer = kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : undefined,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 30_000;
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  /**
   * Sends in pieces of at most MAX_SEND_BYTES, one after the other (so order holds): a broker
   * refuses a record batch above `message.max.bytes` (1 MB by default) every time, and the processor
   * dead-letters whatever one fetch returned. Resolves when every piece was acknowledged; rejects
   * at the first that was not (earlier pieces stay stored: the caller retries the whole send).
   */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<RecordMetadata[]> {
    const sent = this.#sendPieces(topic, piecesOf(messages, MAX_SEND_BYTES));
    this.#inFlight.add(sent);
    const forget = () => this.#inFlight.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  async #sendPieces(
    topic: string,
    pieces: readonly (readonly OutgoingMessage[])[],
  ): Promise<RecordMetadata[]> {
    const results: RecordMetadata[] = [];
    for (const piece of pieces) {
      const meta = await this.#producer.send({
        topic,
        acks: -1,
        timeout: this.#ackTimeoutMs,
        compression: this.#compression,
        messages: piece.map((m) => ({
          key: m.key,
          value: typeof m.value === 'string' ? m.value : Buffer.from(m.value),
          headers: m.headers as IHeaders | undefined,
        })),
      });
      results.push(...meta);
    }
    return results;
  }

  /** Waits for every send in flight, then closes the connections. */
  async disconnect(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    await this.#producer.disconnect();
  }
}

export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** The partition's next offset to be written when the batch was fetched (Kafka's high watermark). */
  readonly highWatermark?: string;
}

export interface ConsumeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts (default: the earliest message). */
  readonly fromBeginning?: boolean;
  /**
   * Handles one batch from one partition. Offsets are committed after it resolves (unless
   * `manualCommit`); if it throws, nothing is committed and the batch is delivered again.
   */
  readonly handleBatch: (batch: IncomingBatch) => Promise<void>;
  readonly sessionTimeoutMs?: number;
  /**
   * The consumer moves on after each handled batch but commits nothing by itself: the caller
   * commits with `RunningConsumer.commit` once the batch's effects are durable (the processor
   * commits after its lake commit, which spans many batches).
   */
  readonly manualCommit?: boolean;
  /** Batches of different partitions handled at the same time (default 1). */
  readonly partitionsConsumedConcurrently?: number;
  /** Called after each group join with this member's partitions per topic. */
  readonly onAssignment?: (assignment: Readonly<Record<string, readonly number[]>>) => void;
}

export interface RunningConsumer {
  readonly consumer: Consumer;
  /** Commits `offset` as the next offset to read (manualCommit). */
  commit(topic: string, partition: number, offset: bigint): Promise<void>;
  /** Reads a partition from `offset` on (the next batch starts there). */
  seek(topic: string, partition: number, offset: bigint): void;
  /** Stops fetching new batches; the member stays in the group, so offsets can still be committed. */
  pause(): void;
  stop(): Promise<void>;
}

/** Joins the group and consumes until `stop()`; commits each batch only after its handler succeeded. */
export async function startConsumer(kafka: Kafka, opts: ConsumeOptions): Promise<RunningConsumer> {
  const consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
  });
  if (opts.onAssignment) {
    const onAssignment = opts.onAssignment;
    consumer.on(consumer.events.GROUP_JOIN, (e) => onAssignment(e.payload.memberAssignment));
  }
  await consumer.connect();
  await consumer.subscribe({ topics: [...opts.topics], fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      await opts.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages,
        highWatermark: batch.highWatermark,
      });
      resolveOffset(batch.lastOffset());
      if (opts.manualCommit) return;
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    },
  });
  return {
    consumer,
    commit: (topic, partition, offset) =>
      consumer.commitOffsets([{ topic, partition, offset: offset.toString() }]),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset: offset.toString() }),
    pause: () => consumer.pause(opts.topics.map((topic) => ({ topic }))),
    stop: () => consumer.disconnect(),
  };
}

/** Header values as strings (kafkajs gives Buffers). */
export function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}
