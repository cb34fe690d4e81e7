// One Superset per test run, shared by every test file that needs it: the first caller installs
// (first time on the machine), starts and imports (dashboardsUp is idempotent and locked, so later
// callers only re-import); the port is picked once and kept in the instance's folder. Superset
// lives in the integration instance ($INFRA_TEST_INSTANCE), so the global setup's teardown
// (infraDown) stops it with Kafka, HDFS and PostgreSQL.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, readInfraConfig } from '@clickstream/infra';
import { inject } from 'vitest';
import { SupersetClient } from '../src/api.ts';
import { type DashboardsConfig, readDashboardsConfig } from '../src/config.ts';
import { type DashboardsUp, dashboardsUp } from '../src/dashboards.ts';

/** The first install on a machine downloads ~150 Python packages; allow for a slow network. */
export const SUPERSET_START_TIMEOUT_MS = 20 * 60_000;

async function sharedPort(stateDir: string): Promise<number> {
  const file = join(stateDir, 'port');
  mkdirSync(stateDir, { recursive: true });
  try {
    writeFileSync(file, String(await freePort()), { flag: 'wx' }); // the first writer wins
  } catch {
    // Another test file chose it.
  }
  return Number(readFileSync(file, 'utf8'));
}

export interface SharedSuperset {
  readonly config: DashboardsConfig;
  readonly up: DashboardsUp;
  readonly client: SupersetClient;
}

export async function sharedSuperset(): Promise<SharedSuperset> {
  const infraDir = inject('infraDir');
  const base = readDashboardsConfig(readInfraConfig(process.env, { stateDir: infraDir }), process.env, {
    postgresUrl: inject('infra').postgresUrl,
  });
  const config = { ...base, port: await sharedPort(base.stateDir) };
  const up = await dashboardsUp(config, (line) => console.log(`[superset] ${line}`));
  const client = await SupersetClient.login(up.url, config.adminUser, config.adminPassword);
  return { config, up, client };
}
