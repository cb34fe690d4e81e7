// `npm run demo`: the whole pipeline on this machine. Starts Kafka, HDFS and PostgreSQL (unless
// already up), the collector and the processor as child processes and the shop in this process,
// prints where to look, and on Ctrl-C stops everything it started. The local services are stopped
// unless all of their processes were running before the demo started.
//
// Once the pipeline runs, it starts Apache Superset with the dashboards (dashboards/; the first run
// installs it, a few minutes) and prints their URLs; DEMO_DASHBOARDS=0 leaves Superset out.
//
// Environment: SHOP_PORT (8080), COLLECTOR_PORT (8081), TOPIC_PREFIX (clickstream),
// LAKE_ROOT (/clickstream), DEMO_DASHBOARDS (1), plus the infra variables (infra/README.md) and
// the dashboards' (dashboards/README.md).
import { join } from 'node:path';
import {
  type DashboardsConfig,
  dashboardsDown,
  dashboardsUp,
  readDashboardsConfig,
} from '@clickstream/dashboards';
import { InfraError, infraDown, infraStatus, infraUp, REPO_ROOT, readInfraConfig } from '@clickstream/infra';
import { type Service, spawnService, waitForHttpOk } from '@clickstream/infra/services';
import { lakeLayout, topicNames } from '@clickstream/schema';
import { type Shop, startShop } from './server.ts';

const log = (line: string) => console.log(`demo: ${line}`);

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InfraError(`${name}=${raw} is not a port number`);
  return n;
}

/** Superset and the dashboards, after the pipeline; a failure here leaves the pipeline running. */
async function startDashboards(config: DashboardsConfig): Promise<boolean> {
  try {
    const up = await dashboardsUp(config, (line) => log(`superset: ${line}`));
    console.log(`
  Superset dashboards (log in as ${config.adminUser}):

${up.dashboards.map((d) => `    ${d.title.padEnd(20)} ${d.url}`).join('\n')}
    Superset             ${up.url}
`);
    return up.seconds.start > 0;
  } catch (err) {
    log(
      `Superset did not start: ${err instanceof Error ? err.message : String(err)}; the pipeline keeps running (try again: npm run dashboards)`,
    );
    return false;
  }
}

async function main() {
  const infra = readInfraConfig();
  // Read now, so that a wrong option stops the demo before anything starts.
  const dashboards = process.env.DEMO_DASHBOARDS === '0' ? undefined : readDashboardsConfig(infra);
  let startedSuperset: Promise<boolean> = Promise.resolve(false);
  const startedInfra = infraStatus(infra).some((s) => s.pid === null);
  const shopPort = port('SHOP_PORT', 8080);
  const collectorPort = port('COLLECTOR_PORT', 8081);
  const topics = topicNames(process.env.TOPIC_PREFIX || undefined);
  const lakeRoot = process.env.LAKE_ROOT || '/clickstream';
  const lake = lakeLayout(lakeRoot);
  const shopOrigins = [`http://127.0.0.1:${shopPort}`, `http://localhost:${shopPort}`];

  const up = await infraUp(infra, (line) => log(line));
  const common = {
    KAFKA_BROKERS: up.kafkaBrokers.join(','),
    TOPIC_PREFIX: process.env.TOPIC_PREFIX || 'clickstream',
  };
  const services: Service[] = [];
  let shop: Shop | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await shop?.close();
    // Processor first: it commits what it has written; then the collector drains and flushes.
    for (const s of [...services].reverse()) await s.stop();
    // infraDown stops Superset with the rest; otherwise stop it if this demo started it.
    if (!startedInfra && dashboards && (await startedSuperset))
      await dashboardsDown(dashboards, (line) => log(line));
    if (startedInfra) await infraDown(infra, (line) => log(line));
    else log('Kafka, HDFS and PostgreSQL were already running before the demo; left running');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const collector = spawnService(
      'collector',
      join(REPO_ROOT, 'collector', 'src', 'server.ts'),
      {
        ...common,
        COLLECTOR_PORT: String(collectorPort),
        COLLECTOR_SITES: JSON.stringify([
          { siteId: 'demo-shop', writeKey: 'demo-shop-key', origins: shopOrigins },
        ]),
      },
      { echo: true },
    );
    services.push(collector);
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    await waitForHttpOk(collector, `${collectorUrl}/ready`);
    const processor = spawnService(
      'processor',
      join(REPO_ROOT, 'processor', 'src', 'main.ts'),
      {
        ...common,
        WEBHDFS_URL: up.webhdfsUrl,
        HDFS_USER: infra.hdfsUser,
        LAKE_ROOT: lakeRoot,
        POSTGRES_URL: up.postgresUrl,
      },
      { echo: true },
    );
    services.push(processor);
    for (const s of services) {
      void s.exited.then((code) => {
        if (!stopping) {
          log(`${s.name} exited unexpectedly (code ${code}); stopping the demo`);
          void stopAll(1);
        }
      });
    }
    shop = await startShop({ port: shopPort, collectorUrl, writeKey: 'demo-shop-key' });

    const today = new Date().toISOString().slice(0, 10);
    const lakeUrl = `${up.webhdfsUrl}/webhdfs/v1${lake.eventsDir}?op=LISTSTATUS&user.name=${infra.hdfsUser}`;
    console.log(`
  Clickstream demo is running. Open the shop and click around:

    shop          ${shop.url}
    collector     ${collectorUrl}   (health: ${collectorUrl}/ready)
    Kafka         ${up.kafkaBrokers.join(',')}   topics ${topics.events}, ${topics.deadLetter}
    Parquet lake  hdfs://${lake.eventsDir}/dt=YYYY-MM-DD/hour=HH/*.parquet
                  hdfs://${lake.sessionsDir}/dt=YYYY-MM-DD/*.parquet   (closed sessions)
                  browse: ${lakeUrl}
    real time     PostgreSQL schema realtime: minute_totals, hourly_totals, sessions, current_visitors,
                  top_pages_now, today (a click shows in minute_totals within a second):
                  psql ${up.postgresUrl} -c 'SELECT * FROM realtime.minute_totals ORDER BY minute DESC LIMIT 5'
    daily CSVs    npm run batch -- --date ${today}   ->  out/${today}/*.csv
    PostgreSQL    ${up.postgresUrl}
    logs          ${join(infra.stateDir, 'logs')} (Kafka, HDFS, PostgreSQL); collector and processor print here

  Minute metrics update within a second of a click; events reach the lake within about 10 s.
`);
    if (dashboards) {
      log(
        `starting Superset on ${dashboards.host}:${dashboards.port} (the first run installs it: a few minutes)`,
      );
      startedSuperset = startDashboards(dashboards);
    }
  } catch (err) {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

main().catch((err: unknown) => {
  if (err instanceof InfraError) console.error(`demo: ${err.message}`);
  else console.error(`demo: failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
