// Superset's web server: gunicorn (the production server Superset's own image runs) with one
// worker process and threads, started detached through infra's process machinery, so it outlives
// the command that started it, and `npm run dashboards -- down` (or infra's) stops exactly it. The
// marker `-Xclickstream.infra=superset@<INFRA_DIR>` on Python's command line (an -X option Python
// keeps and ignores) names the instance. `superset run` is Flask's development server: one process
// meant for a terminal, not for running in the background.
import { join } from 'node:path';
import {
  type ManagedProcess,
  managedProcess,
  type ProcessKind,
  runningPid,
  startDetached,
  stopProcess,
  waitUntilReady,
} from '@clickstream/infra/processes';
import { type DashboardsConfig, supersetUrl } from './config.ts';
import { type SupersetFiles, supersetEnv } from './configure.ts';

/** Python: the marker is an -X option; gunicorn's master stops its workers on SIGTERM (SIGQUIT: at once). */
const PYTHON: ProcessKind = { markerPrefix: '-X', stopSignals: ['SIGTERM', 'SIGQUIT'] };

export function supersetProcess(config: Pick<DashboardsConfig, 'infraDir'>): ManagedProcess {
  return managedProcess('superset', config.infraDir, PYTHON);
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts the server unless it runs already; resolves when /health answers. Returns whether it started it. */
export async function startSuperset(
  config: DashboardsConfig,
  bin: string,
  files: SupersetFiles,
): Promise<boolean> {
  const p = supersetProcess(config);
  const url = supersetUrl(config);
  if (runningPid(p) !== null) {
    await waitUntilReady('Superset', [p], () => healthy(url), config.readyTimeoutMs);
    return false;
  }
  startDetached(
    p,
    join(bin, 'python'),
    [
      p.marker,
      '-m',
      'gunicorn',
      '--bind',
      `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
      '--workers',
      '1',
      '--worker-class',
      'gthread',
      // A dashboard asks for all its charts at once.
      '--threads',
      '8',
      // Generous for a cold first query on a busy two-core machine.
      '--timeout',
      '120',
      '--graceful-timeout',
      '10',
      // Longer than clients keep an idle connection (Node's fetch: 4 s), so that the client, not
      // the server, closes it: with gunicorn's 2 s a request could go out on a connection the
      // server was closing ("other side closed").
      '--keep-alive',
      '10',
      '--limit-request-line',
      '0',
      '--limit-request-field_size',
      '0',
      'superset.app:create_app()',
    ],
    { env: supersetEnv(files) },
  );
  await waitUntilReady('Superset', [p], () => healthy(url), config.readyTimeoutMs);
  return true;
}

/** Stops this instance's Superset; returns whether it was running. */
export function stopSuperset(config: Pick<DashboardsConfig, 'infraDir'>): Promise<boolean> {
  return stopProcess(supersetProcess(config));
}
