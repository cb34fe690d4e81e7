// `npm run dashboards [-- up | down | status | generate | install | import]`. `up` (the default)
// works against a running stack: it installs Superset on first use, starts it, imports the
// dashboards and prints their URLs. `import` only imports, into a Superset that runs elsewhere (the
// compose deployment's). Errors the user can fix print as one line.
import { InfraError, readInfraConfig } from '@clickstream/infra';
import { BUNDLE_DIR, generateBundle, writeBundle } from './bundle.ts';
import { readDashboardsConfig } from './config.ts';
import { dashboardsDown, dashboardsStatus, dashboardsUp, importDashboards } from './dashboards.ts';
import { ensureSuperset } from './install.ts';

const USAGE =
  'usage: npm run dashboards [-- up | down | status | generate | install | import]   (options are environment variables; see dashboards/README.md)';

async function main(command = 'up'): Promise<void> {
  const log = (line: string) => console.log(`dashboards: ${line}`);
  if (command === 'generate') {
    const files = generateBundle();
    writeBundle(files);
    log(`wrote ${files.size} files to ${BUNDLE_DIR}`);
    return;
  }
  const config = readDashboardsConfig(readInfraConfig());
  switch (command) {
    case 'up': {
      const up = await dashboardsUp(config, log);
      console.log(`
  Superset     ${up.url}   (user ${config.adminUser})
${up.dashboards.map((d) => `  dashboard    ${d.url}   ${d.title}`).join('\n')}
  stop with    npm run dashboards -- down
`);
      return;
    }
    case 'import': {
      const dashboards = await importDashboards(config);
      for (const d of dashboards) log(`imported ${d.title}: ${d.url}`);
      return;
    }
    case 'install':
      log(`Superset is installed in ${await ensureSuperset(config, log)}`);
      return;
    case 'down':
      await dashboardsDown(config, log);
      log('down');
      return;
    case 'status': {
      const s = dashboardsStatus(config);
      const state = s.pid === null ? 'stopped' : `running  pid ${s.pid}  memory ${s.memoryMiB} MiB`;
      console.log(`superset  ${state.padEnd(36)} ${s.url}   log ${s.logFile}`);
      return;
    }
    default:
      throw new InfraError(USAGE);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  if (err instanceof InfraError) console.error(`dashboards: ${err.message}`);
  else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`dashboards: unexpected failure: ${message.split('\n')[0]} (run with DEBUG=1 for details)`);
    if (process.env.DEBUG) console.error(err);
  }
  process.exitCode = 1;
});
