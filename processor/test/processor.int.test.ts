// The real processor (a child process) against the real Kafka, HDFS and PostgreSQL: events become
// Parquet in the lake that DuckDB reads with the right types straight from the table folder (no work
// files inside it), files are few and grow instead of piling up, Spark-readable `created_by`, bad
// messages go to the dead-letter topic, and a backlog is committed as soon as it is read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { query, queryLake } from '@clickstream/batch';
import { headersOf, startConsumer } from '@clickstream/infra/kafka';
import type { Service } from '@clickstream/infra/services';
import { type FileStatus, WebHdfsClient } from '@clickstream/infra/webhdfs';
import { DEAD_LETTER_HEADERS } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTopics,
  freshName,
  makeEvents,
  processorSetup,
  produceEvents,
  startProcessor,
  syntheticTraffic,
  testProducer,
  waitFor,
} from './helpers.ts';

const infra = inject('infra');
const hdfs = new WebHdfsClient({ url: infra.webhdfsUrl, user: infra.hdfsUser });
const { kafka, producer } = testProducer(infra);

/** Every path below `dir`, recursively. */
async function walk(dir: string): Promise<Array<{ path: string; status: FileStatus }>> {
  const out: Array<{ path: string; status: FileStatus }> = [];
  for (const status of await hdfs.listStatus(dir)) {
    const path = `${dir}/${status.pathSuffix}`;
    out.push({ path, status });
    if (status.type === 'DIRECTORY') out.push(...(await walk(path)));
  }
  return out;
}

describe('processor: the lake (real Kafka -> real HDFS)', () => {
  const running: Service[] = [];
  beforeAll(() => producer.connect());
  afterAll(async () => {
    for (const p of running) await p.kill();
    await producer.disconnect();
  });

  it('commits a backlog as soon as it has read it to the end, not PROCESSOR_COMMIT_MS later', {
    timeout: 180_000,
  }, async () => {
    // Ten minutes and ten million rows: neither is reached in this test. Nor is the idle path
    // (off), which would commit a caught-up partition after PROCESSOR_IDLE_MS.
    const { topics, env } = processorSetup(infra, {
      PROCESSOR_COMMIT_MS: '600000',
      PROCESSOR_COMMIT_ROWS: '10000000',
      PROCESSOR_IDLE_MS: '0',
    });
    await createTopics(kafka, topics);
    // About 3 MB per partition: more than one fetch (1 MiB per partition), so each partition is
    // behind after its first batch and caught up after its last.
    const events = syntheticTraffic(7, 9_000, 3_000);
    for (let i = 0; i < events.length; i += 1_000)
      await produceEvents(producer, topics.events, events.slice(i, i + 1_000));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = new Map(
        (await admin.fetchTopicOffsets(topics.events)).map((o) => [o.partition, o.high] as const),
      );
      expect([...ends.values()].every((high) => Number(high) > 2_000)).toBe(true);
      const p = startProcessor(env);
      running.push(p);
      const started = Date.now();
      await waitFor(
        'every partition committed to its end',
        async () => {
          // Until the processor has joined, the group has no coordinator to ask.
          const [group] = await admin
            .fetchOffsets({ groupId: env.PROCESSOR_GROUP_ID as string, topics: [topics.events] })
            .catch(() => []);
          return (group?.partitions ?? []).filter((o) => o.offset === ends.get(o.partition)).length;
        },
        (n) => n === ends.size,
        120_000,
      );
      console.log(
        `processor: 9,000 events committed ${((Date.now() - started) / 1000).toFixed(1)} s after its start`,
      );
      await p.stop();
    } finally {
      await admin.disconnect();
    }
  });

  it('writes few growing Parquet files that DuckDB reads from the table folder as it is', {
    timeout: 120_000,
  }, async () => {
    const { topics, lake, env } = processorSetup(infra, { PROCESSOR_COMMIT_MS: '300' });
    await createTopics(kafka, topics);
    const p = startProcessor(env);
    running.push(p);
    // Ten slices, each committed on its own: the hour's file grows instead of ten files appearing.
    const events = makeEvents(400);
    for (let i = 0; i < 10; i++) {
      await produceEvents(producer, topics.events, events.slice(i * 40, (i + 1) * 40));
      await new Promise((r) => setTimeout(r, 700));
    }
    await producer.send(topics.events, [{ key: 'bad', value: '{"not":"an event"}' }]);
    await waitFor(
      'all 400 events in the lake',
      async () => (await queryLake(hdfs, lake.eventsDir, 'SELECT count(*) AS n FROM events'))[0]?.n,
      (n) => n === '400',
    );
    await p.stop();

    // Nothing but dt=/hour= folders and Parquet files in the table: readers never see work files.
    const entries = await walk(lake.eventsDir);
    expect(entries.filter((e) => /\/[_.][^/]*$/.test(e.path))).toEqual([]);
    const files = entries.filter((e) => e.status.type === 'FILE');
    expect(files.every((f) => /\/dt=2026-11-24\/hour=1[01]\/part-\d{3}-\d{12}\.parquet$/.test(f.path))).toBe(
      true,
    );
    // 3 Kafka partitions x 2 hours at most, whatever the number of commits.
    expect(files.length).toBeLessThanOrEqual(6);

    // DuckDB reads the copied table folder with hive partitioning, no filter needed.
    const local = mkdtempSync(join(tmpdir(), 'lake-'));
    try {
      for (const f of files) {
        const rel = f.path.slice(lake.eventsDir.length + 1);
        mkdirSync(join(local, rel, '..'), { recursive: true });
        writeFileSync(join(local, rel), await hdfs.open(f.path));
      }
      const glob = `${local}/**/*.parquet`;
      const [counts] = await query(
        `SELECT count(*) AS n, count(DISTINCT message_id) AS ids, count(DISTINCT dt || hour) AS hours, min(dt) AS dt
         FROM read_parquet('${glob}', hive_partitioning = true)`,
      );
      expect(counts).toEqual({ n: '400', ids: '400', hours: '2', dt: '2026-11-24' });
      const types = Object.fromEntries(
        (
          await query(
            `DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types_autocast = false)`,
          )
        ).map((r) => [r.column_name, r.column_type]),
      );
      expect(types).toMatchObject({
        message_id: 'VARCHAR',
        event_time: 'TIMESTAMP WITH TIME ZONE',
        received_at: 'TIMESTAMP WITH TIME ZONE',
        screen_width: 'INTEGER',
        revenue: 'DOUBLE',
        is_bot: 'BOOLEAN',
        is_click: 'BOOLEAN',
        dt: 'VARCHAR',
        hour: 'VARCHAR',
      });
      // created_by in the form Spark's and parquet-mr's VersionParser read, so statistics are used.
      const [meta] = await query(`SELECT DISTINCT created_by FROM parquet_file_metadata('${glob}')`);
      expect(meta?.created_by).toMatch(/^clickstream-processor version \d+\.\d+\.\d+ \(build [^()]+\)$/);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }

    // The bad message went to the dead-letter topic with its reason.
    const dead: Array<Record<string, string>> = [];
    const c = await startConsumer(kafka, {
      groupId: freshName('dlq'),
      topics: [topics.deadLetter],
      handleBatch: async (b) => {
        dead.push(...b.messages.map(headersOf));
      },
    });
    await waitFor(
      'the dead letter',
      async () => dead.length,
      (n) => n === 1,
      30_000,
    );
    await c.stop();
    expect(dead[0]).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'invalid-collected-event',
      [DEAD_LETTER_HEADERS.stage]: 'processor',
    });
  });
});
