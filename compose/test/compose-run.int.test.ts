// The compose file's configuration runs, not just parses: our services start exactly as compose
// would start their containers (command and environment from compose.yaml and the Dockerfile, see
// src/run-as-compose.ts), against real services; a visit to the shop in real Chromium reaches the
// lake, the real-time tables and the live view, and the one-shot dashboards service imports the dashboards into a
// Superset whose charts then read those tables. What differs from a Docker host, and nothing else:
// - addresses: kafka:9092 and namenode:9870 are the test run's Kafka and HDFS (inject('infra')),
//   postgres:5432 is a PostgreSQL of this test's own (below), superset:8088 a Superset of its own
//   (dashboards/, installed from PyPI, not the image), the ports our servers listen on and publish
//   are free ones, the container's /tmp is a temporary folder;
// - .env is .env.example with its secrets filled in, as a user fills them, and a topic prefix and
//   lake root of this run, so nothing meets other test files' topics and folders;
// - PostgreSQL starts empty, as the postgres image does, and gets the roles and databases from
//   compose/postgres/10-clickstream.sh (run as the image runs it: see psql-script.ts). Its own
//   server, because the processor writes the `realtime` schema of the database `clickstream`, which
//   other test files fill in the shared one.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLake } from '@clickstream/batch';
import {
  type DashboardsConfig,
  dashboardsDown,
  dashboardsUp,
  readDashboardsConfig,
  SupersetClient,
} from '@clickstream/dashboards';
import {
  freePort,
  type InfraConfig,
  postgresDirs,
  postgresDown,
  postgresUp,
  REPO_ROOT,
  readInfraConfig,
} from '@clickstream/infra';
import { launchChromium } from '@clickstream/infra/chromium';
import { createPool } from '@clickstream/infra/postgres';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ourServices, type ServiceEnv } from '../src/check-service-env.ts';
import {
  COMPOSE_DIR,
  COMPOSE_FILE,
  type ComposeModel,
  exampleVariables,
  loadCompose,
} from '../src/compose-file.ts';
import { readDockerfile } from '../src/dockerfile.ts';
import {
  type AddressMap,
  publishedPortMap,
  type RunningService,
  runAsCompose,
  runHealthCheck,
} from '../src/run-as-compose.ts';
import { runPsqlScript } from './psql-script.ts';

// Headless Chromium says "HeadlessChrome", which the collector rightly flags as a bot.
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const infra = inject('infra');
const run = randomUUID().slice(0, 8);
const stages = readDockerfile();
const vars = exampleVariables({ TOPIC_PREFIX: `compose-${run}`, LAKE_ROOT: `/test/compose-${run}` });
const model: ComposeModel = loadCompose([COMPOSE_FILE], vars);
const byName = new Map(ourServices(model, stages).map((s) => [s.service, s]));
const service = (name: string): ServiceEnv => {
  const s = byName.get(name);
  if (!s) throw new Error(`compose.yaml has no service ${name}`);
  return s;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('the compose-configured pipeline, run without Docker', () => {
  const running: RunningService[] = [];
  let pg: InfraConfig;
  let tmpDir: string;
  let map: AddressMap;
  let browser: Browser | undefined;
  let superset: DashboardsConfig | undefined;

  /** Starts a service of ours and waits until its own health check passes, as depends_on would. */
  async function start(name: string): Promise<RunningService> {
    const s = runAsCompose(model, stages, service(name), map);
    running.push(s);
    await until(
      `${name} to be healthy`,
      async () => {
        if (s.child.exitCode !== null) throw new Error(`${name} exited:\n${s.output()}`);
        return (await runHealthCheck(model, stages, s, service(name).target)).ok ? true : undefined;
      },
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${name} output ---\n${s.output()}`);
    });
    return s;
  }

  beforeAll(async () => {
    tmpDir = mkdtempSync(join(tmpdir(), 'compose-run-'));
    pg = readInfraConfig(process.env, {
      stateDir: join(REPO_ROOT, '.infra', `compose-${run}`),
      postgresPort: await freePort(),
    });
    await postgresUp(pg);
    // As the postgres image starts: only its superuser, then the init script.
    const superuser = (db: string) =>
      `postgres://postgres@/${db}?host=${encodeURIComponent(postgresDirs(pg.stateDir).socket)}&port=${pg.postgresPort}`;
    const admin = createPool(superuser('postgres'), { max: 1 });
    await admin.query('DROP DATABASE clickstream');
    await admin.query('DROP ROLE clickstream');
    await admin.end();
    await runPsqlScript(
      join(COMPOSE_DIR, 'postgres', '10-clickstream.sh'),
      model.services.postgres?.environment ?? {},
      superuser,
    );

    const [kafkaHost] = infra.kafkaBrokers;
    const published = publishedPortMap(
      model,
      ['collector', 'shop', 'live'],
      [await freePort(), await freePort(), await freePort()],
    );
    map = {
      hostPorts: {
        ...published.hostPorts,
        'kafka:9092': kafkaHost as string,
        'namenode:9870': new URL(infra.webhdfsUrl).host,
        'postgres:5432': `127.0.0.1:${pg.postgresPort}`,
      },
      listenPorts: published.listenPorts,
      tmpDir,
    };
    // compose's order: depends_on (Kafka, HDFS and PostgreSQL are up already).
    await start('collector');
    await start('processor');
    await start('shop');
    await start('live');
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of running.reverse()) await s.stop();
    if (superset) await dashboardsDown(superset);
    if (pg) {
      await postgresDown(pg);
      rmSync(pg.stateDir, { recursive: true, force: true });
    }
    rmSync(tmpDir, { recursive: true, force: true });
  });

  it('a page view in the shop reaches the lake and the real-time tables, readable by the reader role', async () => {
    const shop = running.find((s) => s.name === 'shop') as RunningService;
    const shopUrl = `http://${shop.env.SHOP_HOST}:${shop.env.SHOP_PORT}`;
    const context = await (browser as Browser).newContext({ userAgent: DESKTOP_CHROME });
    const page = await context.newPage();
    const accepted = page.waitForResponse((r) => r.url().includes('/v1/') && r.request().method() === 'POST');
    await page.goto(shopUrl);
    const response = await accepted;
    // The SDK posts to the collector the shop's COLLECTOR_URL names, and the collector accepts the
    // shop's origin from COLLECTOR_SITES: both from .env.example, through compose.
    expect(response.url()).toContain(running.find((s) => s.name === 'shop')?.env.COLLECTOR_URL);
    expect(response.status()).toBe(200);
    const sent = JSON.parse(response.request().postData() ?? '{}') as {
      batch?: { messageId: string; type: string }[];
    };
    const pageViews = (sent.batch ?? []).filter((e) => e.type === 'page');
    expect(pageViews).toHaveLength(1);
    await context.close();

    const processor = service('processor').env;
    const hdfs = new WebHdfsClient({ url: infra.webhdfsUrl, user: processor.HDFS_USER as string });
    const lake = lakeLayout(processor.LAKE_ROOT);
    const rows = await until('the page view in the lake', async () => {
      const found = await queryLake(
        hdfs,
        lake.eventsDir,
        'SELECT message_id, type, site_id, page_path FROM events',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(rows).toEqual([
      { message_id: pageViews[0]?.messageId, type: 'page', site_id: 'demo-shop', page_path: '/' },
    ]);

    // Superset and the live view read with the reader role: the grants of the init script must
    // cover the tables and views the processor created after it ran.
    const reader = createPool(
      `postgres://clickstream_reader:${vars.CLICKSTREAM_READER_PASSWORD}@127.0.0.1:${pg.postgresPort}/clickstream`,
      { max: 1 },
    );
    try {
      const totals = await until('the minute totals', async () => {
        const r = await reader.query(
          "SELECT sum(page_views)::int AS page_views FROM realtime.minute_totals WHERE site_id = 'demo-shop'",
        );
        return r.rows[0]?.page_views === 1 ? r.rows[0] : undefined;
      });
      expect(totals).toEqual({ page_views: 1 });
      await expect(reader.query('CREATE TABLE realtime.nope (x int)')).rejects.toThrow(/permission denied/);
    } finally {
      await reader.end();
    }

    // The live view, with compose's environment (the reader role), shows today's page view.
    const live = running.find((s) => s.name === 'live') as RunningService;
    const snapshot = await until('the live view to show the page view', async () => {
      const res = await fetch(`http://127.0.0.1:${live.env.LIVE_PORT}/api/snapshot?site=demo-shop`);
      const body = (await res.json()) as { today?: { pageViews?: number } };
      return body.today?.pageViews === 1 ? body : undefined;
    });
    expect(snapshot.today).toMatchObject({ pageViews: 1, visitors: 1 });
  }, 120_000);

  it("the dashboards service imports the dashboards, and Superset's charts read the real-time tables", async () => {
    // A Superset of this test's own, with the admin user of .env. It imports the bundle itself on
    // start, with the charts' database as the role `clickstream`; the compose service must then
    // re-point it at the read-only role.
    const dashboards = service('dashboards');
    const supersetPort = await freePort();
    superset = readDashboardsConfig(
      readInfraConfig(process.env, { stateDir: pg.stateDir }),
      {},
      {
        port: supersetPort,
        adminUser: vars.SUPERSET_ADMIN_USER ?? 'admin',
        adminPassword: vars.SUPERSET_ADMIN_PASSWORD as string,
        postgresUrl: `postgres://clickstream:${vars.CLICKSTREAM_DB_PASSWORD}@127.0.0.1:${pg.postgresPort}/clickstream`,
      },
    );
    await dashboardsUp(superset, (line) => console.log(`[superset] ${line}`));

    const job = runAsCompose(model, stages, dashboards, {
      ...map,
      hostPorts: { ...map.hostPorts, 'superset:8088': `127.0.0.1:${supersetPort}` },
      listenPorts: { ...map.listenPorts, dashboards: { 8088: supersetPort } },
    });
    const code = await job.exited;
    expect(code, job.output()).toBe(0);
    expect(job.output()).toMatch(/imported Clickstream: live/);

    const client = await SupersetClient.login(
      `http://127.0.0.1:${supersetPort}`,
      superset.adminUser,
      superset.adminPassword,
    );
    const database = (await client.get(
      `/api/v1/database/${await client.databaseId('clickstream')}/connection`,
    )) as {
      result: { sqlalchemy_uri: string };
    };
    expect(database.result.sqlalchemy_uri).toMatch(/^postgresql\+psycopg2:\/\/clickstream_reader:/);
    const events = (await client.dashboardCharts('clickstream-live')).find(
      (c) => c.title === 'Events today (UTC)',
    );
    const [result] = await client.chartData(events?.id as number);
    expect(result?.error ?? null).toBeNull();
    expect(Object.values(result?.data[0] ?? {}).map(Number)).toEqual([1]);
  }, 600_000);
});
