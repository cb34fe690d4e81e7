// The sink server.ts hands to buildApp: it coalesces concurrent requests into one Kafka produce.
//
// Why: the producer is idempotent with acks=all, so kafkajs keeps one produce request in flight per
// broker and queues the rest; one produce per HTTP request would cap the collector at one request
// per broker round trip (~1 ms), whatever the CPU. Here, while a produce is in flight, the messages
// of every request that arrives wait and then go together in the next produce (Kafka's `linger`
// idea without a timer: no delay when idle, bigger batches under load). Each request's promise
// settles with the produce that carried its messages, so a 2xx still means acknowledged.
import { messageBytes, splitBySize } from '@clickstream/infra/kafka';
import type { EventSink, SinkMessage as Message } from './accept-events.ts';

export interface KafkaSinkOptions {
  /**
   * Most message bytes (UTF-8 keys, values and headers) in one produce; a request above it is
   * split. Kafka refuses a record batch above `message.max.bytes` (1 MB by default) per partition,
   * and counting characters instead would let text in most non-Latin scripts pass it. Default 512 KiB.
   */
  readonly maxProduceBytes?: number;
}

interface Chunk {
  readonly messages: Message[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export function createKafkaSink(producer: EventSink, opts: KafkaSinkOptions = {}): EventSink {
  const maxBytes = opts.maxProduceBytes ?? 512 * 1024;
  const waiting = new Map<string, Chunk[]>();
  const busy = new Set<string>();

  // One produce per topic at a time; whatever queued meanwhile goes next, up to maxBytes.
  async function pump(topic: string): Promise<void> {
    if (busy.has(topic)) return;
    busy.add(topic);
    try {
      const queue = waiting.get(topic)!;
      while (queue.length > 0) {
        const group: Chunk[] = [];
        let bytes = 0;
        while (queue.length > 0 && (group.length === 0 || bytes + queue[0]!.bytes <= maxBytes)) {
          const chunk = queue.shift()!;
          group.push(chunk);
          bytes += chunk.bytes;
        }
        try {
          await producer.send(
            topic,
            group.flatMap((c) => c.messages),
          );
          for (const c of group) c.resolve();
        } catch (err) {
          for (const c of group) c.reject(err);
        }
      }
    } finally {
      busy.delete(topic);
    }
  }

  function enqueue(topic: string, messages: Message[], bytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let queue = waiting.get(topic);
      if (!queue) {
        queue = [];
        waiting.set(topic, queue);
      }
      queue.push({ messages, bytes, resolve, reject });
    });
  }

  return {
    async send(topic, messages) {
      // Split a request bigger than one produce may be.
      const chunks = splitBySize(messages, maxBytes, messageBytes).map((p) =>
        enqueue(topic, p.items, p.bytes),
      );
      void pump(topic);
      await Promise.all(chunks);
    },
  };
}
