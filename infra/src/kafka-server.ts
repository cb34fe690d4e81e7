// One Kafka broker in KRaft mode (combined broker + controller), from the jars in <jarsDir>/kafka.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsOf, type InfraConfig, PORT_VARIABLES, REPO_ROOT } from './config.ts';
import { InfraError } from './errors.ts';
import { ensureJars } from './jars.ts';
import { probeKafka } from './kafka.ts';
import { checkPortsFree, javaCommand } from './prereqs.ts';
import {
  type ManagedProcess,
  managedProcess,
  renderTemplate,
  runningPid,
  startJava,
  waitUntilReady,
} from './processes.ts';

const TEMPLATES = join(REPO_ROOT, 'infra', 'kafka');

export function kafkaProcess(config: InfraConfig): ManagedProcess {
  return managedProcess('kafka', config.stateDir);
}

const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/** The cluster id is made once per data folder and kept, so restarts reuse the formatted storage. */
function clusterId(kafkaDir: string): string {
  const file = join(kafkaDir, 'cluster-id');
  if (!existsSync(file)) writeFileSync(file, `${newClusterId()}\n`);
  return readFileSync(file, 'utf8').trim();
}

/**
 * 16 random bytes in base64url, as Kafka makes them, and like Kafka never starting with `-`: one
 * draw in 64 did, and the storage tool's argument parser took it for an option (a CI run failed on it).
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * A service checked and set up, ready to launch. `prepare*` does everything that can fail on the
 * user's environment (ports, jars, config, formatting) before any process starts, so a bad
 * prerequisite never leaves half the services running.
 */
export interface Prepared {
  readonly alreadyRunning: boolean;
  /** Starts the processes that are not running and resolves once the service is ready. */
  launch(): Promise<void>;
}

export async function prepareKafka(config: InfraConfig, log: (line: string) => void): Promise<Prepared> {
  const proc = kafkaProcess(config);
  const { kafkaBrokers } = endpointsOf(config);
  const ready = () => probeKafka(kafkaBrokers);
  if (runningPid(proc) !== null) {
    return {
      alreadyRunning: true,
      launch: () => waitUntilReady('Kafka', [proc], ready, config.readyTimeoutMs),
    };
  }

  await checkPortsFree([
    { port: config.kafka.broker, what: 'Kafka', variable: PORT_VARIABLES['kafka.broker'] },
    { port: config.kafka.controller, what: 'Kafka controller', variable: PORT_VARIABLES['kafka.controller'] },
  ]);
  const jars = ensureJars('kafka', { ...config, log });
  const kafkaDir = join(config.stateDir, 'kafka');
  const dataDir = join(kafkaDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const properties = join(kafkaDir, 'server.properties');
  writeFileSync(
    properties,
    renderTemplate(readFileSync(join(TEMPLATES, 'server.properties.template'), 'utf8'), {
      BROKER_PORT: config.kafka.broker,
      CONTROLLER_PORT: config.kafka.controller,
      DATA_DIR: dataDir,
    }),
  );
  const java = javaCommand(config.javaHome);
  const logging = `-Dlog4j2.configurationFile=${join(TEMPLATES, 'log4j2.properties')}`;
  const classpath = `${jars}/*`;

  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const format = spawnSync(
      java,
      [
        logging,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        // `=` keeps an id from an older folder that starts with `-` from being read as an option.
        `--cluster-id=${clusterId(kafkaDir)}`,
        '-c',
        properties,
        '--ignore-formatted',
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) {
      const lines = `${format.stderr}${format.stdout}`.trim().split('\n');
      const exit = format.signal ? `killed by ${format.signal}` : `exit code ${format.status}`;
      const why = `${exit}: ${lines.find((l) => /ERROR|Exception|[Ee]rror:/.test(l)) ?? lines.pop() ?? 'no output'}`;
      throw new InfraError(`formatting Kafka storage in ${dataDir} failed: ${why}`);
    }
  }

  const args = [
    ...JVM_OPTIONS,
    `-Dkafka.logs.dir=${join(config.stateDir, 'logs')}`,
    logging,
    '-cp',
    classpath,
    'kafka.Kafka',
    properties,
  ];
  return {
    alreadyRunning: false,
    async launch() {
      startJava(proc, java, args);
      await waitUntilReady('Kafka', [proc], ready, config.readyTimeoutMs);
    },
  };
}
