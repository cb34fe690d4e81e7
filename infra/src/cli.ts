// `npm run infra:up | infra:down | infra:status`. Errors the user can fix print as one line.
import { endpointsOf, readInfraConfig, topologyArgs } from './config.ts';
import { InfraError } from './errors.ts';
import { infraDown, infraStatus, infraUp } from './infra.ts';
import { COMPONENTS, ensureJars } from './jars.ts';

const USAGE =
  'usage: infra up | down | status | fetch [--brokers N] [--datanodes N]   (other options are environment variables; see infra/README.md)';

async function main(command: string | undefined, args: readonly string[]): Promise<void> {
  const config = readInfraConfig({ ...process.env, ...topologyArgs(args) });
  const log = (line: string) => console.log(`infra: ${line}`);
  switch (command) {
    case 'up': {
      const up = await infraUp(config, log);
      log(`Kafka    ${up.kafkaBrokers.join(',')}`);
      log(`WebHDFS  ${up.webhdfsUrl}/webhdfs/v1/   (NameNode RPC ${up.hdfsUri})`);
      log(`Postgres ${up.postgresUrl}`);
      log(`data and logs in ${config.stateDir}`);
      return;
    }
    case 'fetch':
      // Only the jars (CI and offline preparation); `up` does this itself when needed.
      for (const component of COMPONENTS)
        log(`${component} jars in ${ensureJars(component, { ...config, log })}`);
      return;
    case 'down':
      await infraDown(config, log);
      log('down');
      return;
    case 'status': {
      const endpoints = endpointsOf(config);
      for (const s of infraStatus(config)) {
        const state =
          s.pid === null ? 'stopped' : `running  pid ${s.pid}  rss ${s.rssMiB} MiB  pss ${s.memoryMiB} MiB`;
        console.log(`${s.role.padEnd(9)} ${state.padEnd(50)} log ${s.logFile}`);
      }
      console.log(
        `kafka ${endpoints.kafkaBrokers.join(',')}  webhdfs ${endpoints.webhdfsUrl}  postgres ${endpoints.postgresUrl}`,
      );
      return;
    }
    default:
      throw new InfraError(USAGE);
  }
}

main(process.argv[2], process.argv.slice(3)).catch((err: unknown) => {
  if (err instanceof InfraError) {
    console.error(`infra: ${err.message}`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`infra: unexpected failure: ${message.split('\n')[0]} (run with DEBUG=1 for details)`);
    if (process.env.DEBUG) console.error(err);
  }
  process.exitCode = 1;
});
