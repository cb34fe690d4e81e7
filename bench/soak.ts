// Soak: `npm run soak -- --minutes 10 [--rate 400] [--sample 5] [--brokers 1 --datanodes 1]`.
//
// On a private Kafka + HDFS + PostgreSQL (under .infra/bench-soak, started and stopped here) with
// the real collector and processor as child processes: first the pipeline's maximum is measured
// (CLIENTS clients posting batches to the collector as fast as it acknowledges, for 15 s), then
// traffic at half of it (or --rate events/s) runs for --minutes. Every --sample seconds it samples
// the RSS of each service and the processor's lag (events in Kafka not yet committed to the lake);
// at the end it prints the samples as a table, a terminal chart per service, the RSS slope of each
// (least squares over the second half, MiB per minute) and the count: acknowledged events, in the
// lake, in the real-time minute table.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { queryLake } from '@clickstream/batch';
import { freePort, infraDown, infraStatus, infraUp, REPO_ROOT } from '@clickstream/infra';
import { createKafka } from '@clickstream/infra/kafka';
import { createPool } from '@clickstream/infra/postgres';
import { rssMiB } from '@clickstream/infra/processes';
import { spawnService, waitForHttpOk } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { privateInstance } from '../infra/test/global-setup.ts';
import { processorSetup, startProcessor } from '../processor/test/helpers.ts';
import { fmt, table } from './table.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string' },
    sample: { type: 'string', default: '5' },
    brokers: { type: 'string', default: '1' },
    datanodes: { type: 'string', default: '1' },
  },
});
const MINUTES = Number(args.minutes);
const SAMPLE_MS = Number(args.sample) * 1000;
const CLIENTS = 8;
const BATCH = 20;
const log = (line: string) => console.log(`[soak] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SITE = { siteId: 'soak', writeKey: 'soak-key' };

/** A batch of BATCH page views and product views from 500 visitors, timed now. */
function batch(seq: number): { ids: string[]; body: string } {
  const now = new Date().toISOString();
  const ids: string[] = [];
  const events = Array.from({ length: BATCH }, (_, i) => {
    const messageId = randomUUID();
    ids.push(messageId);
    const page = i % 3 !== 0;
    return {
      type: page ? 'page' : 'track',
      ...(page ? { name: 'Product' } : { event: 'Product Viewed' }),
      messageId,
      anonymousId: `soak-visitor-${(seq * BATCH + i) % 500}`,
      originalTimestamp: now,
      context: { userAgent: CHROME, page: { path: `/p/${i % 12}` } },
      properties: page ? { path: `/p/${i % 12}` } : { product_id: `p-${i % 12}` },
    };
  });
  return { ids, body: JSON.stringify({ writeKey: SITE.writeKey, sentAt: now, batch: events }) };
}

/** Posts until acknowledged (the same messageIds), as an SDK retries. */
async function deliver(url: string, body: string): Promise<number> {
  for (let retries = 0; ; retries++) {
    try {
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      if (res.ok) return retries;
    } catch {
      // Not acknowledged: sent again.
    }
    await sleep(250);
  }
}

interface Load {
  readonly acked: Set<string>;
  retries: number;
}

/** CLIENTS clients for `ms`: as fast as acknowledged (rate undefined) or paced to `rate` events/s. */
async function load(url: string, ms: number, rate: number | undefined, into: Load): Promise<void> {
  const end = Date.now() + ms;
  const perClientGapMs = rate === undefined ? 0 : (CLIENTS * BATCH * 1000) / rate;
  let seq = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let next = Date.now() + (perClientGapMs * c) / CLIENTS;
      while (Date.now() < end) {
        await sleep(Math.max(0, next - Date.now()));
        next += perClientGapMs;
        const { ids, body } = batch(seq++);
        into.retries += await deliver(url, body);
        for (const id of ids) into.acked.add(id);
      }
    }),
  );
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** One line of block characters scaled from the series' minimum to its maximum. */
function sparkline(values: readonly number[], width = 60): string {
  const blocks = '▁▂▃▄▅▆▇█';
  const step = Math.max(1, Math.ceil(values.length / width));
  const picked = values.filter((_, i) => i % step === 0);
  const lo = Math.min(...picked);
  const hi = Math.max(...picked);
  return picked.map((v) => blocks[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('');
}

async function main() {
  const instance = await privateInstance('bench-soak', {
    brokers: Number(args.brokers),
    datanodes: Number(args.datanodes),
  });
  const stop: Array<() => Promise<void>> = [];
  try {
    await infraDown(instance);
    rmSync(instance.stateDir, { recursive: true, force: true });
    log(`starting a private Kafka, HDFS and PostgreSQL under ${instance.stateDir}`);
    const e = await infraUp(instance, log);
    const run = processorSetup(e);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const collector = spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), {
      KAFKA_BROKERS: e.kafkaBrokers.join(','),
      TOPIC_PREFIX: run.topics.events.replace(/\.events$/, ''),
      COLLECTOR_PORT: String(port),
      COLLECTOR_SITES: JSON.stringify([SITE]),
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_KEY_PER_MINUTE: '0',
    });
    stop.push(() => collector.stop());
    await waitForHttpOk(collector, `${url}/ready`, 90_000);
    const processor = startProcessor({ ...run.env, PROCESSOR_COMMIT_MS: '10000', PROCESSOR_FLUSH_MS: '250' });
    stop.push(() => processor.stop());
    const pool = createPool(e.postgresUrl);
    stop.push(() => pool.end());
    const admin = createKafka({ brokers: e.kafkaBrokers, clientId: 'soak', logLevel: 'nothing' }).admin();
    await admin.connect();
    stop.push(() => admin.disconnect());

    const lag = async (): Promise<number> => {
      const ends = await admin.fetchTopicOffsets(run.topics.events);
      const { rows } = await pool
        .query(`SELECT kafka_partition, committed_offset FROM ${run.schema}.partition_state`)
        .catch(() => ({ rows: [] as Record<string, string>[] }));
      const committed = new Map(
        rows.map((r) => [Number(r.kafka_partition), Number(r.committed_offset ?? -1)]),
      );
      return ends.reduce((n, p) => n + Number(p.high) - 1 - (committed.get(p.partition) ?? -1), 0);
    };

    const acked: Load = { acked: new Set(), retries: 0 };
    const t0 = Date.now();
    await load(url, 15_000, undefined, acked);
    const max = acked.acked.size / ((Date.now() - t0) / 1000);
    const rate = args.rate ? Number(args.rate) : Math.round(max / 2);
    log(
      `measured maximum: ${fmt(max)} events/s acknowledged by the collector; soaking at ${fmt(rate)} events/s for ${MINUTES} min`,
    );

    const roles = ['collector', 'processor', ...infraStatus(instance).map((s) => s.role)];
    const samples: Array<{ t: number; rss: Record<string, number>; lag: number; acked: number }> = [];
    const start = Date.now();
    const traffic = load(url, MINUTES * 60_000, rate, acked);
    let done = false;
    traffic.finally(() => {
      done = true;
    });
    while (!done) {
      await sleep(SAMPLE_MS);
      const rss: Record<string, number> = {
        collector: rssMiB(collector.child.pid ?? 0) ?? 0,
        processor: rssMiB(processor.child.pid ?? 0) ?? 0,
      };
      // PostgreSQL's postmaster alone says little (its workers touch the shared buffers): PSS of all.
      for (const s of infraStatus(instance))
        rss[s.role] = (s.role === 'postgres' ? s.memoryMiB : s.rssMiB) ?? 0;
      samples.push({ t: (Date.now() - start) / 60_000, rss, lag: await lag(), acked: acked.acked.size });
      const last = samples.at(-1)!;
      log(
        `${last.t.toFixed(1)} min: lag ${fmt(last.lag)} events; RSS ${roles.map((r) => `${r} ${rss[r]}`).join(', ')} MiB`,
      );
    }
    await traffic;

    // Everything committed, then counted.
    const deadline = Date.now() + 180_000;
    while ((await lag()) > 0 && Date.now() < deadline) await sleep(1_000);
    await sleep(4_000); // the idle commit after the last events
    const hdfs = new WebHdfsClient({ url: e.webhdfsUrl, user: e.hdfsUser });
    const [lake] = await queryLake(
      hdfs,
      run.lake.eventsDir,
      'SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events',
    );
    const { rows } = await pool.query(
      `SELECT coalesce(sum(events + bot_events), 0)::bigint AS n FROM ${run.schema}.minute_metrics`,
    );

    const every = Math.max(1, Math.round(60_000 / SAMPLE_MS / 2)); // about two rows a minute
    console.log(
      `\n${table([
        ['minute', 'lag (events)', ...roles.map((r) => `${r} MiB`)],
        ...samples
          .filter((_, i) => i % every === 0 || i === samples.length - 1)
          .map((s) => [s.t.toFixed(1), fmt(s.lag), ...roles.map((r) => fmt(s.rss[r] ?? 0))]),
      ])}\n`,
    );
    const second = samples.filter((s) => s.t >= MINUTES / 2);
    console.log(
      table([
        ['service', 'RSS over the run (min..max)', 'min MiB', 'max MiB', 'slope, 2nd half (MiB/min)'],
        ...[...roles, 'lag'].map((r) => {
          const series = samples.map((s) => (r === 'lag' ? s.lag : (s.rss[r] ?? 0)));
          const pts = second.map((s) => [s.t, r === 'lag' ? s.lag : (s.rss[r] ?? 0)] as const);
          return [
            r === 'lag' ? 'lag (events)' : r,
            sparkline(series),
            fmt(Math.min(...series)),
            fmt(Math.max(...series)),
            slope(pts).toFixed(2),
          ];
        }),
      ]),
    );
    const realtime = Number(rows[0]?.n ?? 0);
    const exact =
      Number(lake?.n) === acked.acked.size &&
      Number(lake?.ids) === acked.acked.size &&
      realtime === acked.acked.size;
    console.log(
      `\nacknowledged ${fmt(acked.acked.size)}, in the lake ${fmt(Number(lake?.ids))} (${fmt(Number(lake?.n) - Number(lake?.ids))} duplicates), ` +
        `in real-time tables ${fmt(realtime)}; ${fmt(acked.retries)} requests retried: ${exact ? 'zero loss, exactly once' : 'MISMATCH'}`,
    );
    if (!exact) process.exitCode = 1;
  } finally {
    for (const s of stop.reverse()) await s().catch(() => {});
    await infraDown(instance, log);
    if (process.exitCode !== 1) rmSync(instance.stateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`[soak] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
