// One Kafka batch (one partition) -> the lake. Returns only when the data is durable; the consumer
// commits the offsets afterwards. Messages that are not valid collected events go to the
// dead-letter topic with the reason in headers (also before the commit).

import type { IncomingBatch, OutgoingMessage } from '@clickstream/infra/kafka';
import { DEAD_LETTER_HEADERS, type LakeRow, type Topics, toLakeRow } from '@clickstream/schema';
import type { LakeCommitter } from './commit-to-lake.ts';
import { decode } from './decode.ts';

export interface DeadLetterSink {
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<unknown>;
}

export interface BatchResult {
  readonly written: number;
  readonly deadLettered: number;
  /** Messages at or below the lake's durable offset, seen again after a crash and skipped. */
  readonly skipped: number;
  readonly files: number;
}

export interface BatchProcessor {
  process(batch: IncomingBatch): Promise<BatchResult>;
  /** Forget what is known about partitions (on a rebalance another member may have written). */
  reset(): void;
}

export function batchProcessor(
  lake: LakeCommitter,
  deadLetters: DeadLetterSink,
  topics: Topics,
): BatchProcessor {
  const durable = new Map<string, bigint>();

  return {
    reset: () => durable.clear(),
    async process({ topic, partition, messages }) {
      const key = `${topic}/${partition}`;
      let upTo = durable.get(key);
      if (upTo === undefined) {
        upTo = await lake.recover(topic, partition);
        durable.set(key, upTo);
      }
      const fresh = messages.filter((m) => BigInt(m.offset) > (upTo as bigint));
      const skipped = messages.length - fresh.length;
      if (fresh.length === 0) return { written: 0, deadLettered: 0, skipped, files: 0 };

      const rows: LakeRow[] = [];
      const dead: OutgoingMessage[] = [];
      for (const m of fresh) {
        const d = decode(m.value);
        if (d.ok) {
          rows.push(toLakeRow(d.event));
          continue;
        }
        dead.push({
          key: m.key?.toString('utf8') ?? null,
          value: m.value ?? new Uint8Array(),
          headers: {
            [DEAD_LETTER_HEADERS.reason]: d.reason,
            [DEAD_LETTER_HEADERS.detail]: d.detail.slice(0, 500),
            [DEAD_LETTER_HEADERS.stage]: 'processor',
            [DEAD_LETTER_HEADERS.source]: `${topic}/${partition}/${m.offset}`,
          },
        });
      }
      if (dead.length > 0) await deadLetters.send(topics.deadLetter, dead);
      const first = fresh[0]?.offset as string;
      const last = fresh[fresh.length - 1]?.offset as string;
      let files = 0;
      if (rows.length > 0) {
        files = (await lake.commit(topic, partition, first, last, rows)).files.length;
        durable.set(key, BigInt(last));
      }
      return { written: rows.length, deadLettered: dead.length, skipped, files };
    },
  };
}
