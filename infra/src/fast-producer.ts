// The collector's producer: @platformatic/kafka (1.x; 2.x needs Node >= 22.22) with the guarantees
// of EventProducer in kafka.ts (acks=all, idempotent, a failed send always rejects), at about twice
// kafkajs's throughput on the same machine (bench/collector.ts measures both in every run).
//
// Two things differ from kafkajs and are handled here:
// - Its idempotent producer advances a partition's sequence number only when a produce is
//   acknowledged, so two overlapping sends carry the same sequence and the broker takes the second
//   for a retry of the first: both are acknowledged, one is stored. Measured on 1.35 here (2 sends
//   in flight for 5 s: 317,560 messages acknowledged, 317,540 stored) and reported upstream as
//   platformatic/kafka#326 (fixed in 2.x, which needs Node >= 22.22). So sends are serialized: the
//   next starts when the previous settled. The collector's sink already coalesces concurrent
//   requests into one send, so this costs it little: on Node 24, 2.x with up to 4 produces in
//   flight was measured no faster than this (bench/README.md), so 1.x stays, for Node 20 too.
// - Its default partitioner is not Java's (it keeps the sign bit); the compatibility partitioner is,
//   so a key lands on the same partition as with kafkajs or any Java client.
import { compatibilityPartitioner, type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import type { OutgoingMessage } from './kafka.ts';

export interface FastProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Per request to a broker, including the wait for every in-sync replica (default 5 s). */
  readonly timeoutMs?: number;
  /** Retries of a failed request before send() rejects (default 2, 250 ms apart). */
  readonly retries?: number;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

// A string is encoded; bytes are wrapped as they are, not copied.
const bytes = (v: string | Uint8Array) =>
  typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Same lifecycle and contract as EventProducer: `connect()`, `send()`, `disconnect()`. */
export class FastEventProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  #last: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(opts: FastProducerOptions) {
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
    // #last never rejects (failures are caught below), so the chain needs no rejection handler.
    const sent = this.#last.then(() => this.#producer.send({ messages: batch }));
    this.#last = sent.catch(() => undefined);
    return sent;
  }

  /** Waits for every send in flight, then closes the connections. */
  async disconnect(): Promise<void> {
    this.#closed = true;
    await this.#last;
    await this.#producer.close();
  }
}
