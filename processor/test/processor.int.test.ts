// The real processor (a child process) against the real Kafka and HDFS: events become Parquet in
// the lake that DuckDB reads with the right types, bad messages go to the dead-letter topic, and a
// SIGKILL in the middle of a run loses nothing and duplicates nothing.

import { queryLake } from '@clickstream/batch';
import { createKafka, EventProducer, ensureTopics, headersOf, startConsumer } from '@clickstream/infra/kafka';
import type { Service } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { DEAD_LETTER_HEADERS, lakeLayout, partitionKey, topicNames } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshName, makeEvents, startProcessor } from './helpers.ts';

const { kafkaBrokers, webhdfsUrl, hdfsUser } = inject('infra');
const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'processor-int-test', logLevel: 'nothing' });
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const producer = new EventProducer(kafka);

function setup() {
  const prefix = freshName('proc');
  const root = `/test/${freshName('lake')}`;
  const env = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    TOPIC_PREFIX: prefix,
    PROCESSOR_GROUP_ID: `${prefix}-group`,
    WEBHDFS_URL: webhdfsUrl,
    HDFS_USER: hdfsUser,
    LAKE_ROOT: root,
  };
  return { topics: topicNames(prefix), lake: lakeLayout(root), env };
}

async function produce(topic: string, events: ReturnType<typeof makeEvents>) {
  await producer.send(
    topic,
    events.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
  );
}

describe('processor (real Kafka -> real HDFS)', () => {
  const running: Service[] = [];
  beforeAll(() => producer.connect());
  afterAll(async () => {
    for (const p of running) await p.kill();
    await producer.disconnect();
  });

  it('writes Parquet that DuckDB reads with UTC timestamps, UTF-8 strings and Hive partitions', async () => {
    const { topics, lake, env } = setup();
    await ensureTopics(kafka, [{ topic: topics.events, partitions: 3 }, { topic: topics.deadLetter }]);
    const events = makeEvents(120);
    await produce(topics.events, events);
    await producer.send(topics.events, [{ key: 'bad', value: '{"not":"an event"}' }]);
    const p = startProcessor(env);
    running.push(p);

    await expect
      .poll(async () => (await queryLake(hdfs, lake.eventsDir, 'SELECT count(*) AS n FROM events'))[0]?.n, {
        timeout: 60_000,
        interval: 1_000,
      })
      .toBe('120');
    await p.stop();

    const [counts] = await queryLake(
      hdfs,
      lake.eventsDir,
      `SELECT count(DISTINCT message_id) AS ids, count(DISTINCT dt || hour) AS hours, min(dt) AS dt,
              count(*) FILTER (WHERE type = 'page') AS pages FROM events`,
    );
    expect(counts).toEqual({
      ids: '120',
      hours: '2',
      dt: '2026-11-24',
      pages: String(events.filter((e) => e.type === 'page').length),
    });
    const types = Object.fromEntries(
      (await queryLake(hdfs, lake.eventsDir, 'DESCRIBE SELECT * FROM events')).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    expect(types).toMatchObject({
      message_id: 'VARCHAR',
      event_time: 'TIMESTAMP WITH TIME ZONE',
      received_at: 'TIMESTAMP WITH TIME ZONE',
      screen_width: 'INTEGER',
      revenue: 'DOUBLE',
      is_bot: 'BOOLEAN',
      dt: 'VARCHAR',
      hour: 'VARCHAR',
    });
    const [first] = await queryLake(
      hdfs,
      lake.eventsDir,
      `SELECT strftime(event_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g') AS t, hour FROM events ORDER BY event_time LIMIT 1`,
    );
    expect(first).toEqual({ t: '2026-11-24 10:30:00.000', hour: '10' });

    // The bad message went to the dead-letter topic with its reason.
    const dead: Array<Record<string, string>> = [];
    const c = await startConsumer(kafka, {
      groupId: freshName('dlq'),
      topics: [topics.deadLetter],
      handleBatch: async (b) => {
        dead.push(...b.messages.map(headersOf));
      },
    });
    await expect.poll(() => dead.length, { timeout: 30_000 }).toBe(1);
    await c.stop();
    expect(dead[0]).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'invalid-collected-event',
      [DEAD_LETTER_HEADERS.stage]: 'processor',
    });
    // Nothing left in progress: no batch folder under _tmp.
    const tmpTopics = await hdfs.listStatus(lake.tmpDir);
    for (const t of tmpTopics) {
      for (const p of await hdfs.listStatus(`${lake.tmpDir}/${t.pathSuffix}`)) {
        expect(await hdfs.listStatus(`${lake.tmpDir}/${t.pathSuffix}/${p.pathSuffix}`)).toEqual([]);
      }
    }
  });

  it('SIGKILL in the middle of a run, then a restart: every event is in the lake exactly once', {
    timeout: 180_000,
  }, async () => {
    const { topics, lake, env } = setup();
    await ensureTopics(kafka, [{ topic: topics.events, partitions: 3 }, { topic: topics.deadLetter }]);
    const events = makeEvents(3000);
    const first = startProcessor(env);
    running.push(first);
    // Produce in 30 slices while the processor works, and kill it once part of them is in the lake.
    let killedAt = -1;
    for (let i = 0; i < 30; i++) {
      await produce(topics.events, events.slice(i * 100, (i + 1) * 100));
      if (killedAt < 0 && i >= 10 && /rows in/.test(first.output())) {
        await first.kill();
        killedAt = i;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (killedAt < 0) await first.kill();
    const rowsBeforeRestart = (await queryLake(hdfs, lake.eventsDir, 'SELECT count(*) AS n FROM events'))[0]
      ?.n;
    expect(Number(rowsBeforeRestart ?? 0)).toBeGreaterThan(0);
    expect(Number(rowsBeforeRestart ?? 0)).toBeLessThan(3000);

    const second = startProcessor(env);
    running.push(second);
    await expect
      .poll(async () => (await queryLake(hdfs, lake.eventsDir, 'SELECT count(*) AS n FROM events'))[0]?.n, {
        timeout: 120_000,
        interval: 2_000,
      })
      .toBe('3000');
    await second.stop();
    const [result] = await queryLake(
      hdfs,
      lake.eventsDir,
      'SELECT count(*) AS rows, count(DISTINCT message_id) AS ids FROM events',
    );
    expect(result).toEqual({ rows: '3000', ids: '3000' });
    const expected = new Set(events.map((e) => e.messageId));
    const ids = await queryLake(hdfs, lake.eventsDir, 'SELECT message_id FROM events');
    expect(ids.every((r) => expected.has(r.message_id as string))).toBe(true);
    console.log(
      `[processor] killed after slice ${killedAt}; ${rowsBeforeRestart} rows were in the lake before the restart`,
    );
  });
});
