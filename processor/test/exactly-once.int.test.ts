// Exactly once across crashes, rebalances and a stale owner: the same synthetic traffic goes to
// one uninterrupted processor (the reference) and to processors that are SIGKILLed, joined and
// left, or frozen and thawed after losing their partitions. Every real-time row in PostgreSQL,
// every session in the lake and every event in the lake must equal the reference's.
import { queryLake } from '@clickstream/batch';
import { createPool } from '@clickstream/infra/postgres';
import type { Service } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createTopics,
  processorSetup,
  produceEvents,
  readRealtime,
  startProcessor,
  syntheticTraffic,
  testProducer,
  waitFor,
} from './helpers.ts';

const infra = inject('infra');
const hdfs = new WebHdfsClient({ url: infra.webhdfsUrl, user: infra.hdfsUser });
const pool = createPool(infra.postgresUrl);
const { kafka, producer } = testProducer(infra);
const traffic = syntheticTraffic(7, 6000);
const running: Service[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Idle partitions close everything only 10 s after their last message, so the slices below (sent
// without pauses that long) reach every run the same way; the end of the traffic closes all.
const SETTINGS = {
  PROCESSOR_IDLE_MS: '8000',
  PROCESSOR_SESSION_TIMEOUT_MS: '6000',
  PROCESSOR_COMMIT_MS: '700',
};

type Run = ReturnType<typeof processorSetup>;

function newRun(): Run {
  return processorSetup(infra, SETTINGS);
}

function start(run: Run): Service {
  const p = startProcessor(run.env);
  running.push(p);
  return p;
}

/**
 * Sends the traffic in 200 slices, one every 250 ms (50 s in all), calling `between` after each:
 * production never pauses long enough for a partition to look idle, whatever the disruptions do,
 * and a loaded machine still has time to start processors between them.
 */
async function sendSteadily(run: Run, between: (slice: number) => Promise<void>): Promise<void> {
  const slices = 200;
  const size = Math.ceil(traffic.length / slices);
  for (let i = 0; i < slices; i++) {
    const t0 = Date.now();
    await produceEvents(producer, run.topics.events, traffic.slice(i * size, (i + 1) * size));
    await between(i);
    await sleep(Math.max(0, 250 - (Date.now() - t0)));
  }
}

/** Waits until every partition applied the last offset and nothing is left open. */
async function settled(run: Run): Promise<void> {
  const ends = await kafka.admin().fetchTopicOffsets(run.topics.events);
  const last = Object.fromEntries(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
  await waitFor(
    `${run.schema} to apply every offset and close every session`,
    async () => {
      const { rows } = await pool
        .query(
          `SELECT kafka_partition, applied_offset, committed_offset, open_sessions FROM ${run.schema}.partition_state`,
        )
        .catch(() => ({ rows: [] as Record<string, string>[] }));
      return rows;
    },
    (rows) =>
      rows.length === ends.length &&
      rows.every(
        (r) =>
          BigInt(r.committed_offset ?? -1) === last[Number(r.kafka_partition)] &&
          Number(r.open_sessions) === 0,
      ),
    150_000,
  );
}

async function lakeOf(run: Run) {
  const [events] = await queryLake(
    hdfs,
    run.lake.eventsDir,
    'SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events',
  );
  const sessions = await queryLake(
    hdfs,
    run.lake.sessionsDir,
    'SELECT * EXCLUDE (dt, lake_file) FROM events ORDER BY session_id',
  );
  return { events, sessions };
}

async function expectSameAs(reference: { tables: unknown; lake: unknown }, run: Run, processors: Service[]) {
  try {
    await settled(run);
  } catch (err) {
    for (const p of processors)
      console.log(`[exactly-once] processor output:\n${p.output().split('\n').slice(-80).join('\n')}`);
    throw err;
  }
  expect(await readRealtime(pool, run.schema)).toEqual(reference.tables);
  expect(await lakeOf(run)).toEqual(reference.lake);
}

describe('exactly once across crashes, rebalances and a stale owner', () => {
  let reference: { tables: Record<string, unknown[]>; lake: Awaited<ReturnType<typeof lakeOf>> };

  beforeAll(async () => {
    await producer.connect();
    const run = newRun();
    await createTopics(kafka, run.topics);
    await produceEvents(producer, run.topics.events, traffic);
    const p = start(run);
    await settled(run);
    await p.stop();
    reference = { tables: await readRealtime(pool, run.schema), lake: await lakeOf(run) };
    const counts = Object.fromEntries(Object.entries(reference.tables).map(([t, rows]) => [t, rows.length]));
    console.log(
      `[exactly-once] reference: ${traffic.length} messages; rows ${JSON.stringify(counts)}; lake ${JSON.stringify(reference.lake.events)}`,
    );
  }, 240_000);

  afterAll(async () => {
    for (const p of running) await p.kill();
    await producer.disconnect();
    await pool.end();
  });

  it('has something to compare: sessions, orders, late events, duplicates and bots', () => {
    const daily = reference.tables.daily_counts as Array<Record<string, number>>;
    const sum = (k: string) => daily.reduce((n, r) => n + Number(r[k]), 0);
    expect(reference.tables.sessions?.length).toBeGreaterThan(100);
    expect(reference.tables.orders?.length).toBeGreaterThan(50);
    expect(sum('late_events')).toBeGreaterThan(10);
    expect(sum('duplicates')).toBeGreaterThan(10);
    expect(sum('bot_events')).toBeGreaterThan(10);
    const lake = reference.lake.events as { n: string; ids: string };
    expect(lake.n).toBe(lake.ids);
    expect(Number(lake.n)).toBe(new Set(traffic.map((e) => e.messageId)).size);
  });

  it('SIGKILL mid-stream, twice, then restarts: every row equals the uninterrupted run', {
    timeout: 240_000,
  }, async () => {
    const run = newRun();
    await createTopics(kafka, run.topics);
    let p = start(run);
    const all = [p];
    let kills = 0;
    let killedAt = 0;
    await sendSteadily(run, async (i) => {
      // Killed once it has committed something, so a checkpoint and a half-done stretch both exist.
      if (kills < 2 && i >= killedAt + 20 && /committed offsets/.test(p.output())) {
        await p.kill();
        killedAt = i;
        kills++;
        p = start(run);
        all.push(p);
      }
    });
    expect(kills).toBe(2);
    await expectSameAs(reference, run, all);
    await p.stop();
  });

  it('two processors share the partitions while a third joins and leaves: the same rows', {
    timeout: 240_000,
  }, async () => {
    const run = newRun();
    await createTopics(kafka, run.topics);
    const first = start(run);
    const second = start(run);
    let third: Service | undefined;
    let left = false;
    await sendSteadily(run, async (i) => {
      if (i === 20) third = start(run);
      // It leaves once it has owned a partition and committed for it.
      if (!left && third && i >= 60 && /committed offsets/.test(third.output())) {
        await third.stop();
        left = true;
      }
    });
    expect(left).toBe(true);
    await expectSameAs(reference, run, [first, second, ...(third ? [third] : [])]);
    await first.stop();
    await second.stop();
  });

  it('a stale owner that keeps running after losing its partitions is fenced and writes nothing', {
    timeout: 240_000,
  }, async () => {
    const run = newRun();
    await createTopics(kafka, run.topics);
    const stale = start(run);
    let fresh: Service | undefined;
    let thawed = false;
    await sendSteadily(run, async (i) => {
      // Frozen longer than the session timeout: the group gives its partitions to a new member.
      if (!fresh && i >= 20 && /committed offsets/.test(stale.output())) {
        stale.child.kill('SIGSTOP');
        fresh = start(run);
      }
      // Thawed after the new member claimed: it still holds state and batches for the partitions
      // it lost, and tries to write them.
      if (fresh && !thawed && /claimed \(epoch/.test(fresh.output())) {
        stale.child.kill('SIGCONT');
        thawed = true;
      }
    });
    if (!thawed) stale.child.kill('SIGCONT');
    expect(thawed).toBe(true);
    await expectSameAs(reference, run, [stale, ...(fresh ? [fresh] : [])]);
    const said = stale.output().match(/p\d: fenced[^\n]*/g) ?? [];
    console.log(`[exactly-once] the stale owner said: ${said.join(' | ')}`);
    expect(said.length).toBeGreaterThan(0);
    await stale.stop();
    await fresh?.stop();
  });
});
