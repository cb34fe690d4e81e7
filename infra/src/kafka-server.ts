// Kafka in KRaft mode, from the jars in <jarsDir>/kafka: one node, or a cluster of n nodes that are
// each a combined broker + controller (INFRA_KAFKA_BROKERS). Node 1 keeps the single node's role
// (`kafka`) and folder (`kafka/`); node n is `kafka-n` in `kafka-n/`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsOf, type InfraConfig, kafkaNodesOf, PORT_VARIABLES, REPO_ROOT } from './config.ts';
import { InfraError } from './errors.ts';
import { ensureJars } from './jars.ts';
import { probeKafka, replicationFor } from './kafka.ts';
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

/** Node `id`'s role: `kafka` for node 1 (as a single node), `kafka-<id>` for the others. */
export const kafkaRole = (id: number) => (id === 1 ? 'kafka' : `kafka-${id}`);

/** Node 1 (the only node unless INFRA_KAFKA_BROKERS says more). */
export function kafkaProcess(config: InfraConfig): ManagedProcess {
  return managedProcess(kafkaRole(1), config.stateDir);
}

/** Every node's process, node 1 first. */
export function kafkaProcesses(config: InfraConfig): ManagedProcess[] {
  return kafkaNodesOf(config).map((n) => managedProcess(kafkaRole(n.id), config.stateDir));
}

/**
 * Heap per node: 512 MiB for a single node, 320 MiB each in a cluster (three of them share a small
 * machine with HDFS, PostgreSQL and the services; test and demo loads stay far below either).
 */
export function kafkaHeap(nodes: number): string[] {
  return nodes === 1 ? ['-Xms256m', '-Xmx512m'] : ['-Xms128m', '-Xmx320m'];
}

const JVM_OPTIONS = [
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

/** The properties of node `id` of the cluster `config` describes (placeholders of the template). */
export function kafkaNodeVars(
  config: InfraConfig,
  id: number,
  dataDir: string,
): Record<string, string | number> {
  const nodes = kafkaNodesOf(config);
  const node = nodes.find((n) => n.id === id);
  if (!node) throw new Error(`there is no Kafka node ${id}`);
  const { replicationFactor, minInsyncReplicas } = replicationFor(nodes.length);
  return {
    NODE_ID: id,
    QUORUM_VOTERS: nodes.map((n) => `${n.id}@127.0.0.1:${n.ports.controller}`).join(','),
    BROKER_PORT: node.ports.broker,
    CONTROLLER_PORT: node.ports.controller,
    DATA_DIR: dataDir,
    REPLICATION: replicationFactor,
    MIN_ISR: minInsyncReplicas ?? 1,
  };
}

/**
 * The node count is fixed when the storage is formatted (the controllers' quorum): a folder made
 * for another count is refused in one line rather than left to fail inside Kafka.
 */
function checkNodeCount(kafkaDir: string, nodes: number): void {
  const file = join(kafkaDir, 'nodes');
  if (!existsSync(file)) {
    writeFileSync(file, `${nodes}\n`);
    return;
  }
  const made = Number(readFileSync(file, 'utf8').trim());
  if (made !== nodes)
    throw new InfraError(
      `the Kafka data in ${kafkaDir} is for ${made} node(s), not ${nodes}: set INFRA_KAFKA_BROKERS=${made} (or --brokers ${made}), or remove ${kafkaDir}* to start afresh`,
    );
}

export async function prepareKafka(config: InfraConfig, log: (line: string) => void): Promise<Prepared> {
  const nodes = kafkaNodesOf(config);
  const procs = kafkaProcesses(config);
  const { kafkaBrokers } = endpointsOf(config);
  // Every node answers by itself: the cluster's metadata still lists a node killed a moment ago
  // (until its session times out), so asking any one node would call a restart ready at once.
  const ready = async () =>
    (await Promise.all(kafkaBrokers.map((b) => probeKafka([b], nodes.length)))).every(Boolean);
  const waitReady = () => waitUntilReady('Kafka', procs, ready, config.readyTimeoutMs);
  const stopped = nodes.filter((_, i) => runningPid(procs[i] as ManagedProcess) === null);
  if (stopped.length === 0) return { alreadyRunning: true, launch: waitReady };

  await checkPortsFree(
    stopped.flatMap((n) => {
      // Node n's ports follow node 1's, so the same variables move them.
      const which = nodes.length === 1 ? '' : ` node ${n.id}`;
      return [
        { port: n.ports.broker, what: `Kafka${which}`, variable: PORT_VARIABLES['kafka.broker'] },
        {
          port: n.ports.controller,
          what: `Kafka controller${which}`,
          variable: PORT_VARIABLES['kafka.controller'],
        },
      ];
    }),
  );
  const jars = ensureJars('kafka', { ...config, log });
  const java = javaCommand(config.javaHome);
  const logging = `-Dlog4j2.configurationFile=${join(TEMPLATES, 'log4j2.properties')}`;
  const classpath = `${jars}/*`;
  // Every node is formatted with node 1's cluster id.
  const firstDir = join(config.stateDir, kafkaRole(1));
  mkdirSync(firstDir, { recursive: true });
  checkNodeCount(firstDir, nodes.length);
  const id = clusterId(firstDir);

  const starts = stopped.map((node) => {
    const kafkaDir = join(config.stateDir, kafkaRole(node.id));
    const dataDir = join(kafkaDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const properties = join(kafkaDir, 'server.properties');
    const template = readFileSync(join(TEMPLATES, 'server.properties.template'), 'utf8');
    writeFileSync(properties, renderTemplate(template, kafkaNodeVars(config, node.id, dataDir)));
    if (!existsSync(join(dataDir, 'meta.properties')))
      formatStorage(java, logging, classpath, id, properties, dataDir);
    const args = [
      ...kafkaHeap(nodes.length),
      ...JVM_OPTIONS,
      `-Dkafka.logs.dir=${join(config.stateDir, 'logs')}`,
      logging,
      '-cp',
      classpath,
      'kafka.Kafka',
      properties,
    ];
    return () => startJava(procs[node.id - 1] as ManagedProcess, java, args);
  });
  return {
    alreadyRunning: false,
    async launch() {
      // All at once: a cluster's controllers elect a leader only once a majority of them runs.
      for (const start of starts) start();
      await waitReady();
    },
  };
}

function formatStorage(
  java: string,
  logging: string,
  classpath: string,
  clusterId: string,
  properties: string,
  dataDir: string,
): void {
  const format = spawnSync(
    java,
    [
      logging,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      // `=` keeps an id from an older folder that starts with `-` from being read as an option.
      `--cluster-id=${clusterId}`,
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
