// The processor process: a Kafka consumer group whose members each own some partitions. For each
// owned partition a PartitionTask keeps the real-time state, flushes changed rows to PostgreSQL every
// PROCESSOR_FLUSH_MS, and commits lake files + state checkpoint (HDFS) every PROCESSOR_COMMIT_MS or
// PROCESSOR_COMMIT_ROWS (later when that would rewrite big files, commit-policy.ts); only then are
// the Kafka offsets committed. Delivery guarantee: every
// offset's event is in the lake and in the metrics exactly once (duplicates by messageId dropped),
// across crashes, restarts and rebalances; see processor/README.md.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  createKafka,
  EventProducer,
  ensureTopics,
  type IncomingBatch,
  startConsumer,
} from '@clickstream/infra/kafka';
import { createPool } from '@clickstream/infra/postgres';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { FencedError } from './checkpoint.ts';
import { ConfigError, readProcessorConfig } from './config.ts';
import { LakeWorker } from './lake-client.ts';
import { type Committed, PartitionTask, type TaskDeps } from './partition-task.ts';
import { PostgresSink } from './postgres-sink.ts';

const log = (line: string) => console.log(`processor: ${line}`);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function main() {
  const config = readProcessorConfig();
  const owner = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'clickstream-processor' });
  await ensureTopics(kafka, [
    { topic: config.topics.events, partitions: 3 },
    { topic: config.topics.deadLetter, partitions: 1 },
  ]);
  const pool = createPool(config.postgresUrl, {
    applicationName: 'clickstream-processor',
    onIdleError: (err) => log(`PostgreSQL connection lost (${err.message}); reconnecting on next use`),
  });
  const sink = new PostgresSink(pool, config.pgSchema);
  await sink.migrate();
  const deadLetters = new EventProducer(kafka);
  await deadLetters.connect();
  const deps: TaskDeps = {
    hdfs: new WebHdfsClient({ url: config.webhdfsUrl, user: config.hdfsUser }),
    lake: config.lake,
    // Without it no commit goes through: stop, and let the supervisor start the processor again.
    lakeWorker: new LakeWorker((err) => {
      console.error(`processor: the lake worker failed: ${message(err)}`);
      process.exit(1);
    }),
    sink,
    deadLetters,
    topics: config.topics,
    owner,
    settings: config,
  };

  const tasks = new Map<number, Promise<PartitionTask>>();
  /**
   * Partitions lost to another owner, and when: not claimed back until the group assigns them
   * again, or until a session timeout and a half passed and the group still sends them here (then
   * this member is their owner and the other one was stale).
   */
  const fenced = new Map<number, number>();
  let assigned = new Set<number>();

  const drop = (partition: number, why: string) => {
    const task = tasks.get(partition);
    if (!task) return;
    tasks.delete(partition);
    log(`p${partition}: ${why}`);
    task.then(
      (t) => t.close(),
      () => {},
    );
  };
  /** A task failed (or was fenced): forget it, unless a newer task has replaced it meanwhile. */
  const onFailure = (partition: number, err: unknown, task?: Promise<PartitionTask>) => {
    if (task !== undefined && tasks.get(partition) !== task) return;
    if (err instanceof FencedError) {
      fenced.set(partition, Date.now());
      drop(partition, `fenced: another processor owns it now (${err.message})`);
    } else {
      drop(partition, `failed, will claim it again from its last checkpoint: ${message(err)}`);
    }
  };
  const taskFor = (partition: number): Promise<PartitionTask> => {
    let task = tasks.get(partition);
    if (!task) {
      task = PartitionTask.claim(deps, config.topics.events, partition);
      tasks.set(partition, task);
      task.then(
        (t) => log(`p${partition}: claimed (epoch ${t.epoch}), resuming after offset ${t.committed}`),
        (err: unknown) => onFailure(partition, err),
      );
    }
    return task;
  };

  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  /** Once a commit is durable on HDFS, the Kafka offset follows; the consumer never waits for it. */
  const whenCommitted = (task: PartitionTask, commit: Promise<Committed> | null) => {
    if (commit === null) return;
    const pending = tasks.get(task.partition);
    commit.then(
      (done) => commitKafka(task, done),
      (err: unknown) => onFailure(task.partition, err, pending),
    );
  };
  const commitKafka = async (task: PartitionTask, done: Committed | null) => {
    if (done === null) return;
    const { offset } = done;
    log(
      `p${task.partition} committed offsets ${done.from}-${offset}: ${done.files} lake file(s) written, ` +
        `${(done.bytes / 1024).toFixed(0)} KiB; checkpoint ${(done.stateBytes / 1024).toFixed(0)} KiB`,
    );
    try {
      await consumer?.commit(task.topic, task.partition, offset + 1n);
    } catch (err) {
      // The checkpoint on HDFS is what counts; a Kafka commit lost in a rebalance only means the
      // next owner skips a few offsets it already has.
      log(`p${task.partition}: Kafka offset commit failed (${message(err)}); the checkpoint holds ${offset}`);
    }
  };

  const handleBatch = async (batch: IncomingBatch) => {
    const fencedAt = fenced.get(batch.partition);
    if (fencedAt !== undefined) {
      if (Date.now() - fencedAt < config.sessionTimeoutMs * 1.5) {
        // Lost to another owner: wait for the group to take it away instead of spinning on it.
        await new Promise((r) => setTimeout(r, 1_000));
        return;
      }
      fenced.delete(batch.partition);
    }
    const first = BigInt(batch.messages[0]?.offset ?? '0');
    let task: PartitionTask;
    try {
      task = await taskFor(batch.partition);
      if (first > task.applied + 1n) {
        // The group's committed offset is ahead of the checkpoint (a new lake root with an old
        // group id, say): read the gap first rather than skip it.
        log(
          `p${batch.partition}: offsets ${task.applied + 1n}..${first - 1n} are not in the checkpoint; reading them`,
        );
        consumer?.seek(batch.topic, batch.partition, task.applied + 1n);
        return;
      }
      const r = await task.handle(batch);
      if (r.deadLettered + r.duplicates + r.late > 0) {
        log(
          `p${batch.partition} offsets ${batch.messages[0]?.offset}-${batch.messages.at(-1)?.offset}: ` +
            `${r.applied} applied (${r.duplicates} duplicate, ${r.late} late), ${r.deadLettered} dead-lettered`,
        );
      }
      whenCommitted(task, task.commitIfDue());
    } catch (err) {
      onFailure(batch.partition, err);
      // Nothing is committed; the batch comes again to the next owner or task. kafkajs restarts a
      // consumer that crashed on an error only if the error says it may be retried (following
      // `cause` to the first one), else consumption stops for good while the process lives on: a
      // checkpoint that HDFS could not read during a NameNode restart (a non-retriable HdfsError)
      // did that in the fault tests. Here every failure may be retried: the partition is claimed
      // again from its last checkpoint.
      throw Object.assign(new Error(`p${batch.partition}: ${message(err)}`), { retriable: true });
    }
  };

  consumer = await startConsumer(kafka, {
    groupId: config.groupId,
    topics: [config.topics.events],
    handleBatch,
    manualCommit: true,
    sessionTimeoutMs: config.sessionTimeoutMs,
    partitionsConsumedConcurrently: 4,
    onAssignment: (assignment) => {
      assigned = new Set(assignment[config.topics.events] ?? []);
      // Every task is claimed again after a rebalance, even for a partition this member keeps:
      // another member may have owned it in between (this one frozen or cut off, say), and its
      // state here would be stale. Uncommitted progress is replayed from the checkpoint.
      for (const p of [...tasks.keys()])
        drop(
          p,
          assigned.has(p)
            ? 'reassigned to this processor: claiming it again'
            : 'assigned to another processor',
        );
      fenced.clear();
      log(`assigned partitions [${[...assigned].sort((a, b) => a - b).join(', ')}]`);
    },
  });
  log(
    `consuming ${config.topics.events} as ${config.groupId} (${owner}) -> lake ${config.webhdfsUrl}${config.lake.eventsDir}, ` +
      `PostgreSQL schema ${config.pgSchema}; allowed lateness ${config.allowedLatenessMs / 1000} s`,
  );

  // Flush rows to PostgreSQL, commit when due, and let idle partitions' watermarks follow the clock.
  const admin = kafka.admin();
  await admin.connect();
  const endOffsets = async (): Promise<Map<number, bigint>> => {
    const offsets = await admin.fetchTopicOffsets(config.topics.events);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  };
  // A container health check cannot ask a process without a port, so the loop leaves a trace: the
  // file's age says whether the loop still turns (a PostgreSQL or HDFS call that hangs stops it).
  let lastBeat = 0;
  const beat = () => {
    if (!config.heartbeatFile || Date.now() - lastBeat < 1_000) return;
    lastBeat = Date.now();
    try {
      writeFileSync(config.heartbeatFile, `${new Date(lastBeat).toISOString()}\n`);
    } catch (err) {
      log(`cannot write the heartbeat file ${config.heartbeatFile} (${message(err)})`);
    }
  };
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      let ends: Map<number, bigint> | undefined;
      for (const [partition, pending] of tasks) {
        try {
          const task = await pending;
          await task.flush();
          if (task.quietFor(config.idleMs)) {
            ends ??= await endOffsets();
            const end = ends.get(partition);
            if (end !== undefined) whenCommitted(task, task.idle(config.idleMs, end));
          }
          whenCommitted(task, task.commitIfDue());
        } catch (err) {
          onFailure(partition, err, pending);
        }
      }
      beat();
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), config.flushMs);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: committing and stopping`);
    clearInterval(timer);
    consumer?.pause();
    for (const [partition, pending] of tasks) {
      try {
        const task = await pending;
        await commitKafka(task, await task.commitNow());
      } catch (err) {
        log(`p${partition}: not committed at shutdown (${message(err)}); the next owner replays it`);
      }
    }
    await consumer?.stop();
    await admin.disconnect();
    await deadLetters.disconnect();
    await pool.end();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`processor: ${err.message}`);
  else console.error(`processor: failed: ${message(err)}`);
  process.exit(1);
});
