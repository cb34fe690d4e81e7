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
// - After a broker was stopped and restarted, its producer could keep failing every send until the
//   process restarted (seen in processor/test/faults.int.test.ts: 503 for minutes while the cluster
//   was healthy). So after a failed send the next one starts on a new producer: new connections,
//   fresh metadata, a new producer id and sequence numbers. A send that failed but was stored may
//   then be stored twice; it was not acknowledged, so its client retries it anyway, and the
//   processor drops copies by messageId.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  compatibilityPartitioner,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  UserError,
} from '@platformatic/kafka';
import { errorText } from './errors.ts';
import type { OutgoingMessage } from './kafka.ts';

export interface FastProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Per request to a broker, including the wait for every in-sync replica (default 5 s). */
  readonly timeoutMs?: number;
  /** Retries of a failed request before send() rejects (default 2, 250 ms apart). */
  readonly retries?: number;
  /** How long connect() asks again while the cluster gives no producer id (default 30 s). */
  readonly connectWaitMs?: number;
  /** Told of each failed try that connect() follows with another, a second later. */
  readonly onConnectRetry?: (why: string) => void;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

// A string is encoded; bytes are wrapped as they are, not copied.
const bytes = (v: string | Uint8Array) =>
  typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Same lifecycle and contract as EventProducer: `connect()`, `send()`, `disconnect()`. */
export class FastEventProducer {
  readonly #opts: FastProducerOptions;
  #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  /** The last send failed: the next one starts on a new producer. */
  #broken = false;
  #last: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(opts: FastProducerOptions) {
    this.#opts = opts;
    this.#producer = FastEventProducer.#create(opts);
  }

  static #create(opts: FastProducerOptions): Producer<Buffer, Buffer, Buffer, Buffer> {
    return new Producer({
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

  /** A new producer in place of one whose send failed; the old one is closed in the background. */
  async #renew(): Promise<void> {
    const old = this.#producer;
    this.#producer = FastEventProducer.#create(this.#opts);
    old.close().catch(() => {});
    await this.#producer.initIdempotentProducer({});
    this.#broken = false;
  }

  async #send(batch: Message[]): Promise<unknown> {
    if (this.#broken) await this.#renew();
    try {
      return await this.#producer.send({ messages: batch });
    } catch (err) {
      this.#broken = true;
      throw err;
    }
  }

  /**
   * Asks the cluster for a producer id now, so that a broker that is down fails at startup. A
   * cluster that has just started may have none to give for a while (a broker gets them from the
   * controller): it is asked again each second, on a new producer, for up to `connectWaitMs`.
   */
  async connect(): Promise<void> {
    const deadline = Date.now() + (this.#opts.connectWaitMs ?? 30_000);
    for (;;) {
      try {
        await this.#producer.initIdempotentProducer({});
        return;
      } catch (err) {
        if (err instanceof UserError || Date.now() + 1_000 > deadline) throw err;
        this.#opts.onConnectRetry?.(errorText(err));
        await sleep(1_000);
        const old = this.#producer;
        this.#producer = FastEventProducer.#create(this.#opts);
        old.close().catch(() => {});
      }
    }
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
    const sent = this.#last.then(() => this.#send(batch));
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
