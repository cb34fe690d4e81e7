// `dashboardsUp`: everything between "nothing" and "the dashboards are on screen": install Superset
// (first time), configure this instance, prepare its metadata database (first time), start the
// server (unless it runs), import the committed bundle with this instance's PostgreSQL (replacing
// what an earlier import or a user changed in those dashboards), and say
// where the dashboards are. Idempotent and safe to call from two processes at once (a lock folder
// serialises them), so the demo, `npm run dashboards` and every test file can simply call it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '@clickstream/infra';
import { runningPid, treeMemoryMiB } from '@clickstream/infra/processes';
import { type DashboardInfo, SupersetClient } from './api.ts';
import { DASHBOARDS, readBundle } from './bundle.ts';
import { type DashboardsConfig, supersetUrl } from './config.ts';
import { configureSuperset } from './configure.ts';
import { initialiseSuperset } from './initialise.ts';
import { ensureSuperset } from './install.ts';
import { startSuperset, stopSuperset, supersetProcess } from './server.ts';
import { zipBundle } from './zip-bundle.ts';

type Log = (line: string) => void;

export interface DashboardsUp {
  readonly url: string;
  readonly dashboards: readonly DashboardInfo[];
  /** Seconds per step (0 when nothing had to be done). */
  readonly seconds: {
    readonly install: number;
    readonly initialise: number;
    readonly start: number;
    readonly import: number;
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` holding the instance's lock folder (taken over when its owner died). */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // Just created, pid not written yet.
      }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

/**
 * Imports the committed bundle into the Superset at SUPERSET_HOST:SUPERSET_PORT, its database
 * pointing at POSTGRES_URL, and returns the dashboards. Also what the compose deployment's one-shot
 * `dashboards` service runs (`npm run dashboards -- import`) against its Superset container.
 */
export async function importDashboards(config: DashboardsConfig): Promise<DashboardInfo[]> {
  const url = supersetUrl(config);
  const client = await SupersetClient.login(url, config.adminUser, config.adminPassword);
  await client.importBundle(zipBundle(readBundle(), config.postgresUrl));
  const all = await client.dashboards();
  return DASHBOARDS.map((d) => {
    const found = all.find((x) => x.slug === d.key);
    if (!found) throw new InfraError(`the dashboard '${d.title}' is missing after the import into ${url}`);
    return found;
  });
}

/** Installs, configures, starts Superset and imports the dashboards; returns their URLs. */
export async function dashboardsUp(config: DashboardsConfig, log: Log = () => {}): Promise<DashboardsUp> {
  return withLock(config.stateDir, async () => {
    const [bin, install] = await timed(() => ensureSuperset(config, log));
    const files = configureSuperset(config);
    const [initialised, initialise] = await timed(() => initialiseSuperset(config, bin, files, log));
    if (runningPid(supersetProcess(config)) === null) log(`starting Superset on ${supersetUrl(config)}`);
    const [started, start] = await timed(() => startSuperset(config, bin, files));
    if (started) log(`Superset ready in ${start.toFixed(1)} s (log: ${supersetProcess(config).logFile})`);
    const url = supersetUrl(config);
    const [dashboards, importSeconds] = await timed(() => importDashboards(config));
    log(`imported ${dashboards.length} dashboards (${importSeconds.toFixed(1)} s)`);
    return {
      url,
      dashboards,
      seconds: {
        install,
        initialise: initialised ? initialise : 0,
        start: started ? start : 0,
        import: importSeconds,
      },
    };
  });
}

/** Stops this instance's Superset (its data stays). */
export async function dashboardsDown(config: DashboardsConfig, log: Log = () => {}): Promise<boolean> {
  const stopped = await stopSuperset(config);
  if (stopped) log('stopped superset');
  return stopped;
}

export interface SupersetStatus {
  readonly pid: number | null;
  readonly memoryMiB: number | null;
  readonly url: string;
  readonly logFile: string;
}

/** Pid and memory of the server (gunicorn's master and its worker, proportional set size). */
export function dashboardsStatus(config: DashboardsConfig): SupersetStatus {
  const p = supersetProcess(config);
  const pid = runningPid(p);
  return {
    pid,
    memoryMiB: pid === null ? null : treeMemoryMiB(pid),
    url: supersetUrl(config),
    logFile: p.logFile,
  };
}
