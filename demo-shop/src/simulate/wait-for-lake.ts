// Waits until the processor has committed everything in the events topic up to now: its consumer
// group's committed offsets reach the topic's end offsets. The processor commits Kafka offsets only
// after the lake files are durable, so at that point the backfill is readable by the batch.
import { createKafka, isRetriable } from '@clickstream/infra/kafka';

export async function waitForLake(opts: {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly log: (line: string) => void;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const admin = createKafka({
    brokers: [...opts.brokers],
    clientId: 'clickstream-simulator',
    logLevel: 'nothing',
  }).admin();
  await admin.connect();
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(opts.topic)).map((p) => [p.partition, BigInt(p.high)] as const),
    );
    const total = [...ends.values()].reduce((s, n) => s + n, 0n);
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    let lastLog = 0;
    for (;;) {
      let group: Awaited<ReturnType<typeof admin.fetchOffsets>>[number] | undefined;
      try {
        [group] = await admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.topic] });
      } catch (err) {
        // A group the processor is still joining has no coordinator yet: ask again.
        if (!isRetriable(err)) throw err;
      }
      let behind = group ? 0n : total;
      for (const p of group?.partitions ?? []) {
        const committed = BigInt(p.offset === '-1' ? '0' : p.offset);
        const end = ends.get(p.partition) ?? 0n;
        if (committed < end) behind += end - committed;
      }
      if (behind === 0n && (group?.partitions.length ?? 0) >= ends.size) return;
      if (opts.signal?.aborted) return;
      if (Date.now() > deadline)
        throw new Error(`the processor is still ${behind} events behind in ${opts.topic}; is it running?`);
      if (Date.now() - lastLog > 5_000) {
        opts.log(
          `simulate: waiting for the processor to write to the lake: ${total - behind} of ${total} events`,
        );
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    await admin.disconnect();
  }
}
