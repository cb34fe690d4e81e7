// Exactly once when the parts real deployments lose are lost. The file starts its own Kafka cluster
// (3 brokers, replication 3, min.insync.replicas 2) and HDFS (NameNode + 2 DataNodes, replication
// 2) once, and runs the real collector and the real processor as child processes against it (the
// test run's shared PostgreSQL holds the real-time tables). Each case sends generated traffic for
// one site through HTTP clients that retry until the collector acknowledges (2xx), breaks one part
// while the traffic flows, and ends with a full count: every acknowledged event is in the lake
// exactly once (by messageId) and counted exactly once in the real-time minute table.
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLake } from '@clickstream/batch';
import {
  endpointsOf,
  freePort,
  hdfsUp,
  type InfraConfig,
  infraDown,
  kafkaRole,
  kafkaUp,
  REPO_ROOT,
} from '@clickstream/infra';
import { createKafka } from '@clickstream/infra/kafka';
import { createPool } from '@clickstream/infra/postgres';
import { managedProcess, runningPid, stopProcess } from '@clickstream/infra/processes';
import { type Service, spawnService, waitForHttpOk } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { privateInstance } from '../../infra/test/global-setup.ts';
import { processorSetup, startProcessor } from './helpers.ts';

const infra = inject('infra');
const pool = createPool(infra.postgresUrl);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[faults] ${line}`);

/** Traffic of one case: CLIENTS loops, each posting a batch of BATCH events every TICK_MS. */
const CLIENTS = 3;
const BATCH = 10;
const TICK_MS = 100;
const TRAFFIC_MS = 10_000;
const SESSION_TIMEOUT_MS = 6_000;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

let cluster: InfraConfig;
let hdfs: WebHdfsClient;
let run: ReturnType<typeof processorSetup>;
let collectorEnv: Record<string, string>;
let collectorUrl = '';
let collector: Service | undefined;
let processor: Service | undefined;
/** Processor and collector exits the test did not cause (a crash, or a crash loop). */
const unexpectedExits: string[] = [];
const expectedExits = new Set<Service>();

const sites = Array.from({ length: 7 }, (_, i) => ({
  siteId: `faults-${i + 1}`,
  writeKey: `faults-key-${i + 1}`,
}));

function watch(service: Service): Service {
  service.exited.then((code) => {
    if (!expectedExits.has(service)) {
      unexpectedExits.push(`${service.name} exited with ${code}`);
      log(
        `${service.name} exited unexpectedly (${code}):\n${service.output().split('\n').slice(-30).join('\n')}`,
      );
    }
  });
  return service;
}

async function startCollector(): Promise<Service> {
  const c = watch(spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), collectorEnv));
  await waitForHttpOk(c, `${collectorUrl}/ready`, 90_000);
  collector = c;
  return c;
}

const processors: Service[] = [];

function launchProcessor(): Service {
  processor = watch(startProcessor(run.env));
  processors.push(processor);
  return processor;
}

/** What the processors said about trouble so far: a partition failed and was claimed again, say. */
function processorTrouble(): Record<string, number> {
  const said = processors.map((p) => p.output()).join('\n');
  const n = (re: RegExp) => (said.match(re) ?? []).length;
  return {
    reclaimed: n(/failed, will claim it again/g),
    fenced: n(/: fenced/g),
    kafkaCommitFailed: n(/Kafka offset commit failed/g),
  };
}

async function kill(service: Service | undefined, how: 'kill' | 'stop' = 'kill'): Promise<void> {
  if (!service) return;
  expectedExits.add(service);
  await (how === 'kill' ? service.kill() : service.stop());
}

// --- the cluster's processes ---------------------------------------------------------------------

const proc = (role: string) => managedProcess(role, cluster.stateDir);

function signal(role: string, sig: NodeJS.Signals): void {
  const pid = runningPid(proc(role));
  if (pid === null) throw new Error(`${role} is not running`);
  process.kill(pid, sig);
}

/** The role of the broker that leads `partition` of the events topic now. */
async function leaderOf(partition: number): Promise<string> {
  const admin = createKafka({
    brokers: endpointsOf(cluster).kafkaBrokers,
    clientId: 'faults-admin',
    logLevel: 'nothing',
  }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [run.topics.events] });
    const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
    if (leader === undefined || leader < 1) throw new Error(`partition ${partition} has no leader`);
    return kafkaRole(leader);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition of the events topic and of the group offsets has all its replicas in sync. */
async function fullyReplicated(timeoutMs = 120_000): Promise<void> {
  const admin = createKafka({
    brokers: endpointsOf(cluster).kafkaBrokers,
    clientId: 'faults-admin',
    logLevel: 'nothing',
  }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { topics } = await admin.fetchTopicMetadata({
        topics: [run.topics.events, '__consumer_offsets'],
      });
      const short = topics.flatMap((t) =>
        t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`),
      );
      if (short.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`replicas still out of sync after ${timeoutMs / 1000} s: ${short.join(', ')}`);
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `role` is gone after SIGKILL (its pid file then names a dead process). */
async function gone(role: string): Promise<void> {
  while (runningPid(proc(role)) !== null) await sleep(50);
}

// --- traffic ------------------------------------------------------------------------------------

interface Traffic {
  readonly acked: Set<string>;
  requests: number;
  retries: number;
  gaveUp: number;
}

function batchOf(site: (typeof sites)[number], seq: number): { ids: string[]; body: string } {
  const now = new Date().toISOString();
  const ids: string[] = [];
  const batch = Array.from({ length: BATCH }, (_, i) => {
    const messageId = randomUUID();
    ids.push(messageId);
    const page = (seq + i) % 3 !== 0;
    return {
      type: page ? 'page' : 'track',
      ...(page ? { name: 'Product' } : { event: 'Product Viewed' }),
      messageId,
      anonymousId: `${site.siteId}-visitor-${(seq * BATCH + i) % 40}`,
      originalTimestamp: now,
      context: { userAgent: CHROME, page: { path: `/p/${i}` } },
      properties: page ? { path: `/p/${i}` } : { product_id: `p-${i}` },
    };
  });
  return { ids, body: JSON.stringify({ writeKey: site.writeKey, sentAt: now, batch }) };
}

/** Posts `body` until the collector acknowledges it (2xx), as an SDK retries: the same messageIds. */
async function deliver(body: string, traffic: Traffic, deadline: number): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    traffic.requests++;
    try {
      const res = await fetch(`${collectorUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) return true;
    } catch {
      // Refused, reset or timed out: not acknowledged, so sent again.
    }
    if (Date.now() > deadline) return false;
    traffic.retries++;
    await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
  }
}

/** Sends traffic for `ms` and resolves once every batch is acknowledged (or its client gave up). */
async function sendTraffic(site: (typeof sites)[number], ms: number): Promise<Traffic> {
  const traffic: Traffic = { acked: new Set(), requests: 0, retries: 0, gaveUp: 0 };
  const end = Date.now() + ms;
  const deadline = end + 120_000;
  let seq = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const t0 = Date.now();
        const { ids, body } = batchOf(site, seq++);
        if (await deliver(body, traffic, deadline)) for (const id of ids) traffic.acked.add(id);
        else traffic.gaveUp++;
        await sleep(Math.max(0, TICK_MS - (Date.now() - t0)));
      }
    }),
  );
  return traffic;
}

// --- counting -------------------------------------------------------------------------------------

/** Waits until the processor committed every offset of the events topic (lake and rows included). */
async function settled(timeoutMs = 180_000): Promise<void> {
  const admin = createKafka({
    brokers: endpointsOf(cluster).kafkaBrokers,
    clientId: 'faults-admin',
    logLevel: 'nothing',
  }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ends = await admin.fetchTopicOffsets(run.topics.events);
      const { rows } = await pool
        .query(`SELECT kafka_partition, committed_offset FROM ${run.schema}.partition_state`)
        .catch(() => ({ rows: [] as Record<string, string>[] }));
      const committed = new Map(
        rows.map((r) => [Number(r.kafka_partition), BigInt(r.committed_offset ?? -1)]),
      );
      const behind = ends.filter(
        (e) => BigInt(e.high) > 0n && committed.get(e.partition) !== BigInt(e.high) - 1n,
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `the processor did not commit every offset in ${timeoutMs / 1000} s: ends ${JSON.stringify(ends)}, committed ${JSON.stringify([...committed].map(([p, o]) => [p, String(o)]))}`,
        );
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

interface Count {
  readonly acknowledged: number;
  readonly inLake: number;
  readonly lakeRows: number;
  readonly realtime: number;
  readonly duplicates: number;
  readonly missing: number;
  readonly unacknowledgedInLake: number;
}

async function count(site: string, traffic: Traffic): Promise<Count> {
  const rows = await queryLake(
    hdfs,
    run.lake.eventsDir,
    `SELECT message_id FROM events WHERE site_id = '${site}'`,
  );
  const lakeIds = rows.map((r) => String(r.message_id));
  const distinct = new Set(lakeIds);
  const { rows: rt } = await pool.query(
    `SELECT coalesce(sum(events + bot_events), 0)::bigint AS n FROM ${run.schema}.minute_metrics WHERE site_id = $1`,
    [site],
  );
  return {
    acknowledged: traffic.acked.size,
    inLake: distinct.size,
    lakeRows: lakeIds.length,
    realtime: Number(rt[0]?.n ?? 0),
    duplicates: lakeIds.length - distinct.size,
    missing: [...traffic.acked].filter((id) => !distinct.has(id)).length,
    unacknowledgedInLake: [...distinct].filter((id) => !traffic.acked.has(id)).length,
  };
}

/** Everything the services said, for the post-mortem (the cluster's logs go with its folder). */
function dumpOutputs(n: number): void {
  const file = join(tmpdir(), `faults-case-${n}-${process.pid}.log`);
  writeFileSync(file, [collector, ...processors].map((p) => `==== ${p?.name}\n${p?.output()}`).join('\n'));
  log(`case ${n}: the collector's and the processors' output is in ${file}`);
}

/**
 * One case: traffic for `site` while `fault` runs beside it, then everything settled and counted.
 * Prints the case's line; checks exactly once.
 */
async function runCase(n: number, name: string, fault: () => Promise<string>): Promise<void> {
  const site = sites[n - 1]!;
  // One fault at a time: every replica of the last case's restarted broker back in sync first.
  await fullyReplicated();
  const exitsBefore = unexpectedExits.length;
  const troubleBefore = processorTrouble();
  const t0 = Date.now();
  const [traffic, said] = await Promise.all([sendTraffic(site, TRAFFIC_MS), fault()]);
  await settled().catch((err: unknown) => {
    dumpOutputs(n);
    throw err;
  });
  const c = await count(site.siteId, traffic);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const trouble = Object.entries(processorTrouble())
    .map(([k, v]) => `${k} ${v - (troubleBefore[k] ?? 0)}`)
    .join(', ');
  log(
    `case ${n} ${name}: acknowledged ${c.acknowledged}, in the lake ${c.inLake}, in real-time tables ${c.realtime}, ` +
      `duplicates ${c.duplicates}; missing ${c.missing}, unacknowledged in the lake ${c.unacknowledgedInLake}; ` +
      `${traffic.requests} requests, ${traffic.retries} retried, ${traffic.gaveUp} given up; ${said}; ` +
      `processor: ${trouble}; ${seconds} s`,
  );
  const exact =
    traffic.gaveUp === 0 &&
    c.acknowledged > 0 &&
    c.inLake === c.acknowledged &&
    c.lakeRows === c.acknowledged &&
    c.realtime === c.acknowledged &&
    unexpectedExits.length === exitsBefore;
  if (!exact) dumpOutputs(n);
  expect(traffic.gaveUp).toBe(0);
  expect(c.acknowledged).toBeGreaterThan(0);
  expect(c).toMatchObject({
    inLake: c.acknowledged,
    lakeRows: c.acknowledged,
    realtime: c.acknowledged,
    duplicates: 0,
    missing: 0,
    unacknowledgedInLake: 0,
  });
  expect(unexpectedExits.slice(exitsBefore)).toEqual([]);
}

// --- the cases ------------------------------------------------------------------------------------

describe('exactly once through faults (3 Kafka brokers, 2 DataNodes)', () => {
  beforeAll(async () => {
    cluster = await privateInstance(`${process.env.INFRA_TEST_INSTANCE || 'test'}-faults`, {
      brokers: 3,
      datanodes: 2,
    });
    await infraDown(cluster);
    rmSync(cluster.stateDir, { recursive: true, force: true });
    const t0 = Date.now();
    await Promise.all([kafkaUp(cluster, log), hdfsUp(cluster, log)]);
    log(
      `3 brokers and 2 DataNodes ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${cluster.stateDir})`,
    );
    const endpoints = { ...endpointsOf(cluster), postgresUrl: infra.postgresUrl };
    hdfs = new WebHdfsClient({ url: endpoints.webhdfsUrl, user: endpoints.hdfsUser });
    run = processorSetup(endpoints, {
      PROCESSOR_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      PROCESSOR_COMMIT_MS: '500',
      PROCESSOR_IDLE_MS: '3000',
    });
    const port = await freePort();
    collectorUrl = `http://127.0.0.1:${port}`;
    collectorEnv = {
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      TOPIC_PREFIX: run.topics.events.replace(/\.events$/, ''),
      COLLECTOR_PORT: String(port),
      COLLECTOR_SITES: JSON.stringify(sites),
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_KEY_PER_MINUTE: '0',
    };
    await startCollector(); // creates the topics: replication 3, min.insync.replicas 2
    launchProcessor();
    await waitFor(() => /assigned partitions \[0, 1, 2\]/.test(processor?.output() ?? ''), 90_000);
  }, 240_000);

  afterAll(async () => {
    await kill(processor);
    await kill(collector);
    await pool.end();
    if (cluster) {
      await infraDown(cluster);
      rmSync(cluster.stateDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('1: a broker SIGKILLed under load, then restarted', { timeout: 240_000 }, async () => {
    await runCase(1, 'broker SIGKILL', async () => {
      await sleep(3_000);
      const role = await leaderOf(0);
      signal(role, 'SIGKILL');
      await gone(role);
      await sleep(5_000);
      const t0 = Date.now();
      await kafkaUp(cluster);
      return `killed ${role} (leader of p0), back in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    });
  });

  it('2: the partition leader stopped while the processor commits', { timeout: 240_000 }, async () => {
    await runCase(2, 'leader stopped', async () => {
      await sleep(2_000);
      const before = commits();
      await waitFor(() => commits() > before, 30_000);
      const role = await leaderOf(0);
      await stopProcess(proc(role));
      await sleep(4_000);
      await kafkaUp(cluster);
      return `stopped ${role} (leader of p0) after commit ${before + 1}, restarted`;
    });
  });

  it('3: the processor SIGKILLed with a checkpoint half written', { timeout: 240_000 }, async () => {
    await runCase(3, 'processor SIGKILL mid-commit', async () => {
      const caught: string[] = [];
      for (let k = 0; k < 2; k++) {
        const launched = Date.now();
        await sleep(3_000);
        const half = await halfWritten(15_000, launched);
        await kill(processor);
        caught.push(half ?? 'no commit seen in progress');
        launchProcessor();
      }
      return `killed twice, with ${caught.join(' and ')}`;
    });
  });

  it('4: a DataNode stopped and restarted while files are written', { timeout: 240_000 }, async () => {
    await runCase(4, 'DataNode SIGKILL', async () => {
      await sleep(3_000);
      signal('datanode-2', 'SIGKILL');
      await gone('datanode-2');
      await sleep(6_000);
      const t0 = Date.now();
      await hdfsUp(cluster);
      return `killed datanode-2, back in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    });
  });

  it('5: the NameNode restarted while the processor writes', { timeout: 240_000 }, async () => {
    await runCase(5, 'NameNode restart', async () => {
      await sleep(3_000);
      const t0 = Date.now();
      await stopProcess(proc('namenode'));
      await hdfsUp(cluster);
      return `NameNode down and back in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    });
  });

  it('6: the collector restarted under load', { timeout: 240_000 }, async () => {
    await runCase(6, 'collector SIGKILL + restart', async () => {
      await sleep(4_000);
      const t0 = Date.now();
      await kill(collector);
      await startCollector();
      return `collector killed and listening again in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    });
  });

  it('7: a broker stalled (SIGSTOP) longer than the session timeout', { timeout: 240_000 }, async () => {
    await runCase(7, 'broker SIGSTOP', async () => {
      await sleep(3_000);
      const role = await leaderOf(0);
      signal(role, 'SIGSTOP');
      await sleep(SESSION_TIMEOUT_MS + 4_000);
      signal(role, 'SIGCONT');
      return `stopped ${role} (leader of p0) for ${(SESSION_TIMEOUT_MS + 4_000) / 1000} s`;
    });
  });
});

// --- small helpers ------------------------------------------------------------------------------

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

const commits = () => (processor?.output().match(/committed offsets/g) ?? []).length;

/**
 * Waits until a commit is under way on HDFS (its tmp/<seq>/ folder exists: files or the state
 * written, the log entry or the renames not yet done) and says which; null if none was seen. Only
 * folders written to since `since` count: not one a processor killed before left behind.
 */
async function halfWritten(timeoutMs: number, since: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const p of [0, 1, 2]) {
      const tmp = `${run.lake.workDir(run.topics.events, p)}/tmp`;
      const pending = (await hdfs.listStatus(tmp).catch(() => [])).filter((f) => f.modificationTime >= since);
      if (pending.length > 0) return `p${p} commit ${pending[0]?.pathSuffix} half written`;
    }
    await sleep(10);
  }
  return null;
}
