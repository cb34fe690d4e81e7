// The collector's producer: @platformatic/kafka with the guarantees of EventProducer in kafka.ts
// (acks=all, idempotent, a failed send always rejects), at several times kafkajs's throughput on
// the same machine (bench/collector.ts measures both in every run).
//
// Two majors of the library are installed, and the Node running decides:
// - 2.x (Node >= 22.22, what the images run): sends overlap. 1.x advanced a partition's sequence
//   number only when a produce was acknowledged, so two overlapping idempotent sends carried the
//   same sequence and the broker took the second for a retry of the first: both acknowledged, one
//   stored (measured on 1.35: 317,560 messages acknowledged, 317,540 stored in 5 s;
//   platformatic/kafka#326, fixed in 2.x). infra/test/fast-producer.int.test.ts sends 40 at once
//   and counts every message, in order per key.
// - 1.x (Node 20, which 2.x refuses): sends are serialized, the next starts when the previous
//   settled. The collector's sink coalesces concurrent requests into one send, so this costs little.
// Its default partitioner is not Java's (it keeps the sign bit); the compatibility partitioner is,
// so a key lands on the same partition as with kafkajs or any Java client.

import type { MessageToProduce, Producer } from '@platformatic/kafka';
import * as v1 from '@platformatic/kafka';
import type { OutgoingMessage } from './kafka.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
/** Whether this Node runs @platformatic/kafka 2.x (its engines field: >= 22.22). */
export const OVERLAPPING_SENDS_SUPPORTED = major > 22 || (major === 22 && minor >= 22);
// The same API in both majors; 2.x is loaded only where it runs.
const library: typeof v1 = OVERLAPPING_SENDS_SUPPORTED
  ? ((await import('@platformatic/kafka-2')) as unknown as typeof v1)
  : v1;

export interface FastProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Per request to a broker, including the wait for every in-sync replica (default 5 s). */
  readonly timeoutMs?: number;
  /** Retries of a failed request before send() rejects (default 2, 250 ms apart). */
  readonly retries?: number;
  /**
   * Let sends overlap (@platformatic/kafka 2.x); default: wherever this Node runs 2.x. `false`
   * serializes them on 1.x (the bench compares both).
   */
  readonly overlappingSends?: boolean;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

// A string is encoded; bytes are wrapped as they are, not copied.
const bytes = (v: string | Uint8Array) =>
  typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Same lifecycle and contract as EventProducer: `connect()`, `send()`, `disconnect()`. */
export class FastEventProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #overlapping: boolean;
  /** The last send (serialized) or every send in flight (overlapping); never rejects. */
  #last: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(opts: FastProducerOptions) {
    this.#overlapping = opts.overlappingSends ?? OVERLAPPING_SENDS_SUPPORTED;
    if (this.#overlapping && !OVERLAPPING_SENDS_SUPPORTED)
      throw new Error(
        `overlapping sends need @platformatic/kafka 2.x, which needs Node >= 22.22 (this is ${process.version})`,
      );
    const { Producer, ProduceAcks, compatibilityPartitioner } = this.#overlapping ? library : v1;
    this.#producer = new Producer({
      clientId: opts.clientId,
      bootstrapBrokers: [...opts.brokers],
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
      timeout: opts.timeoutMs ?? 5_000,
      connectTimeout: opts.timeoutMs ?? 5_000,
      retries: opts.retries ?? 2,
      retryDelay: 250,
    });
  }

  /** Whether sends may overlap (each is stored once; see the top of this file). */
  get overlapping(): boolean {
    return this.#overlapping;
  }

  /** Asks the cluster for a producer id now, so that a broker that is down fails at startup. */
  async connect(): Promise<void> {
    await this.#producer.initIdempotentProducer({});
  }

  send(topic: string, messages: readonly OutgoingMessage[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('producer is closed'));
    const batch: Message[] = messages.map((m) => ({
      topic,
      ...(m.key === null ? {} : { key: bytes(m.key) }),
      value: bytes(m.value),
      ...(m.headers
        ? { headers: new Map(Object.entries(m.headers).map(([k, v]) => [bytes(k), bytes(v)])) }
        : {}),
    }));
    if (this.#overlapping) {
      const sent = this.#producer.send({ messages: batch });
      const settled = sent.catch(() => undefined);
      this.#inFlight.add(settled);
      void settled.then(() => this.#inFlight.delete(settled));
      return sent;
    }
    // #last never rejects (failures are caught below), so the chain needs no rejection handler.
    const sent = this.#last.then(() => this.#producer.send({ messages: batch }));
    this.#last = sent.catch(() => undefined);
    return sent;
  }

  /** Waits for every send in flight, then closes the connections. */
  async disconnect(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#last, ...this.#inFlight]);
    await this.#producer.close();
  }
}
