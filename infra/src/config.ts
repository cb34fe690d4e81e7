// The one place infra/ reads the environment. Every option, its variable and its default:
//
//   INFRA_DIR                  .infra/local   data, logs, pid files and rendered configs of one instance
//   INFRA_JARS_DIR             .infra/jars    jars fetched through Maven (shared by all instances)
//   KAFKA_PORT                 9092           Kafka client listener (PLAINTEXT, 127.0.0.1)
//   KAFKA_CONTROLLER_PORT      9093           KRaft controller listener
//   HDFS_NAMENODE_PORT         8020           NameNode RPC (hdfs://127.0.0.1:8020)
//   HDFS_HTTP_PORT             9870           NameNode HTTP: WebHDFS, JMX and the web UI
//   HDFS_DATANODE_PORT         9866           DataNode data transfer
//   HDFS_DATANODE_HTTP_PORT    9864           DataNode HTTP (WebHDFS redirects writes here)
//   HDFS_DATANODE_IPC_PORT     9867           DataNode IPC
//   HDFS_USER                  clickstream    user.name sent to WebHDFS (permissions are off)
//   INFRA_KAFKA_BROKERS        1              Kafka nodes (each a combined broker + controller); node n
//                                             listens on KAFKA_PORT + 100(n-1) and
//                                             KAFKA_CONTROLLER_PORT + 100(n-1)
//   INFRA_HDFS_DATANODES       1              DataNodes; DataNode n on the three DataNode ports + 100(n-1)
//   POSTGRES_PORT              5432           PostgreSQL on 127.0.0.1 (its unix socket: $INFRA_DIR/postgres/socket)
//   POSTGRES_OS_USER           nobody         system user PostgreSQL runs as when infra runs as root
//                                             (PostgreSQL refuses root); otherwise it runs as you
//   INFRA_MAVEN_REPO           (Maven's)      a Maven repository mirror to fetch jars from
//   INFRA_MAVEN_LOCAL_REPO     (~/.m2)        Maven's local repository
//   INFRA_READY_TIMEOUT_MS     120000         how long `up` waits for the services to be ready
//   JAVA_HOME                  (PATH)         which Java to run (17 or newer)
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from './errors.ts';

/** The repository root (infra/src/ is two levels below it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface KafkaPorts {
  readonly broker: number;
  readonly controller: number;
}
export interface HdfsPorts {
  readonly namenodeRpc: number;
  readonly namenodeHttp: number;
  readonly datanode: number;
  readonly datanodeHttp: number;
  readonly datanodeIpc: number;
}

export type DataNodePorts = Pick<HdfsPorts, 'datanode' | 'datanodeHttp' | 'datanodeIpc'>;

export interface InfraConfig {
  readonly stateDir: string;
  readonly jarsDir: string;
  /** Kafka node 1's ports. */
  readonly kafka: KafkaPorts;
  /** Nodes 2..n of a Kafka cluster (empty: one node). */
  readonly kafkaExtraNodes: readonly KafkaPorts[];
  /** The NameNode's and DataNode 1's ports. */
  readonly hdfs: HdfsPorts;
  /** DataNodes 2..n (empty: one DataNode). */
  readonly hdfsExtraDataNodes: readonly DataNodePorts[];
  readonly hdfsUser: string;
  readonly postgresPort: number;
  readonly postgresOsUser: string;
  readonly javaHome: string | undefined;
  readonly mavenRepo: string | undefined;
  readonly mavenLocalRepo: string | undefined;
  readonly readyTimeoutMs: number;
}

export const DEFAULTS = {
  stateDir: join(REPO_ROOT, '.infra', 'local'),
  jarsDir: join(REPO_ROOT, '.infra', 'jars'),
  kafka: { broker: 9092, controller: 9093 },
  hdfs: { namenodeRpc: 8020, namenodeHttp: 9870, datanode: 9866, datanodeHttp: 9864, datanodeIpc: 9867 },
  hdfsUser: 'clickstream',
  postgresPort: 5432,
  // Exists on every Linux system, so nothing is created on the machine; see infra/README.md.
  postgresOsUser: 'nobody',
  readyTimeoutMs: 120_000,
  kafkaBrokers: 1,
  hdfsDataNodes: 1,
} as const;

/** The most nodes of each kind infra/ starts on one machine. */
export const MAX_NODES = 9;

/** Node n (from 2) listens on node 1's ports + PORT_STEP * (n - 1). */
export const PORT_STEP = 100;

/** Which environment variable sets each port, for error messages that say what to change. */
export const PORT_VARIABLES = {
  'kafka.broker': 'KAFKA_PORT',
  'kafka.controller': 'KAFKA_CONTROLLER_PORT',
  'hdfs.namenodeRpc': 'HDFS_NAMENODE_PORT',
  'hdfs.namenodeHttp': 'HDFS_HTTP_PORT',
  'hdfs.datanode': 'HDFS_DATANODE_PORT',
  'hdfs.datanodeHttp': 'HDFS_DATANODE_HTTP_PORT',
  'hdfs.datanodeIpc': 'HDFS_DATANODE_IPC_PORT',
  postgres: 'POSTGRES_PORT',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A port from the environment (1-65535), or `fallback` when unset. */
export function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InfraError(`${name}=${raw} is not a port number; use an integer from 1 to 65535`);
  }
  return n;
}

function dir(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  return isAbsolute(raw) ? raw : resolve(raw);
}

/** A positive integer from the environment, or `fallback` when unset. */
export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InfraError(`${name}=${raw} must be a positive integer`);
  return n;
}

function nodeCount(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES)
    throw new InfraError(`${name}=${raw} must be an integer from 1 to ${MAX_NODES}`);
  return n;
}

/** Ports of nodes 2..count: node 1's, each moved by PORT_STEP per node. */
export function extraNodePorts<T extends KafkaPorts | DataNodePorts>(first: T, count: number): T[] {
  return Array.from(
    { length: count - 1 },
    (_, i) => Object.fromEntries(Object.entries(first).map(([k, p]) => [k, p + PORT_STEP * (i + 1)])) as T,
  );
}

function osUser(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'root' || raw === '0') {
    throw new InfraError(`${name}=${raw}: PostgreSQL refuses to run as root; name an unprivileged user`);
  }
  return raw;
}

/**
 * The command line's `--brokers N` and `--datanodes N` as the variables they stand for
 * (INFRA_KAFKA_BROKERS, INFRA_HDFS_DATANODES), to lay over the environment.
 */
export function topologyArgs(args: readonly string[]): Record<string, string> {
  const names: Record<string, string> = {
    '--brokers': 'INFRA_KAFKA_BROKERS',
    '--datanodes': 'INFRA_HDFS_DATANODES',
  };
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] ?? '').split('=', 2) as [string, string | undefined];
    const variable = names[flag];
    if (variable === undefined)
      throw new InfraError(`unknown option ${args[i]}; the options are --brokers N and --datanodes N`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new InfraError(`${flag} needs a number`);
    out[variable] = value;
  }
  return out;
}

/** Parses the environment once. Overrides (used by tests) win over the environment. */
export function readInfraConfig(env: Env = process.env, overrides: Partial<InfraConfig> = {}): InfraConfig {
  const kafka = {
    broker: port(env, 'KAFKA_PORT', DEFAULTS.kafka.broker),
    controller: port(env, 'KAFKA_CONTROLLER_PORT', DEFAULTS.kafka.controller),
  };
  const hdfs = {
    namenodeRpc: port(env, 'HDFS_NAMENODE_PORT', DEFAULTS.hdfs.namenodeRpc),
    namenodeHttp: port(env, 'HDFS_HTTP_PORT', DEFAULTS.hdfs.namenodeHttp),
    datanode: port(env, 'HDFS_DATANODE_PORT', DEFAULTS.hdfs.datanode),
    datanodeHttp: port(env, 'HDFS_DATANODE_HTTP_PORT', DEFAULTS.hdfs.datanodeHttp),
    datanodeIpc: port(env, 'HDFS_DATANODE_IPC_PORT', DEFAULTS.hdfs.datanodeIpc),
  };
  const { datanode, datanodeHttp, datanodeIpc } = overrides.hdfs ?? hdfs;
  const config: InfraConfig = {
    stateDir: dir(env, 'INFRA_DIR', DEFAULTS.stateDir),
    jarsDir: dir(env, 'INFRA_JARS_DIR', DEFAULTS.jarsDir),
    kafka,
    kafkaExtraNodes: extraNodePorts(
      overrides.kafka ?? kafka,
      nodeCount(env, 'INFRA_KAFKA_BROKERS', DEFAULTS.kafkaBrokers),
    ),
    hdfs,
    hdfsExtraDataNodes: extraNodePorts(
      { datanode, datanodeHttp, datanodeIpc },
      nodeCount(env, 'INFRA_HDFS_DATANODES', DEFAULTS.hdfsDataNodes),
    ),
    hdfsUser: env.HDFS_USER || DEFAULTS.hdfsUser,
    postgresPort: port(env, 'POSTGRES_PORT', DEFAULTS.postgresPort),
    postgresOsUser: osUser(env, 'POSTGRES_OS_USER', DEFAULTS.postgresOsUser),
    javaHome: env.JAVA_HOME || undefined,
    mavenRepo: env.INFRA_MAVEN_REPO || undefined,
    mavenLocalRepo: env.INFRA_MAVEN_LOCAL_REPO ? resolve(env.INFRA_MAVEN_LOCAL_REPO) : undefined,
    readyTimeoutMs: positiveInt(env, 'INFRA_READY_TIMEOUT_MS', DEFAULTS.readyTimeoutMs),
    ...overrides,
  };
  const ports = [
    ...[config.kafka, ...config.kafkaExtraNodes].flatMap((k) => Object.values(k)),
    ...Object.values(config.hdfs),
    ...config.hdfsExtraDataNodes.flatMap((d) => Object.values(d)),
    config.postgresPort,
  ];
  const dup = ports.find((p, i) => ports.indexOf(p) !== i);
  if (dup !== undefined)
    throw new InfraError(`port ${dup} is configured twice; give each service its own port`);
  return config;
}

/**
 * The role, its password and its database, created on first start. A local development instance
 * on 127.0.0.1 only, so a known password is fine (and lets Superset and psql connect by URL).
 */
export const POSTGRES_ROLE = 'clickstream';

/** Where a running instance can be reached. */
export interface Endpoints {
  readonly kafkaBrokers: string[];
  readonly webhdfsUrl: string;
  readonly hdfsUri: string;
  readonly hdfsUser: string;
  /** The `clickstream` role's database, over TCP (what services get as POSTGRES_URL). */
  readonly postgresUrl: string;
}

/** Kafka's nodes, node 1 first: its id (1..n) and ports. */
export function kafkaNodesOf(
  config: InfraConfig,
): Array<{ readonly id: number; readonly ports: KafkaPorts }> {
  return [config.kafka, ...config.kafkaExtraNodes].map((ports, i) => ({ id: i + 1, ports }));
}

/** The DataNodes, DataNode 1 first: its number (1..n) and ports. */
export function dataNodesOf(
  config: InfraConfig,
): Array<{ readonly id: number; readonly ports: DataNodePorts }> {
  const { datanode, datanodeHttp, datanodeIpc } = config.hdfs;
  return [{ datanode, datanodeHttp, datanodeIpc }, ...config.hdfsExtraDataNodes].map((ports, i) => ({
    id: i + 1,
    ports,
  }));
}

export function endpointsOf(config: InfraConfig): Endpoints {
  return {
    kafkaBrokers: kafkaNodesOf(config).map((n) => `127.0.0.1:${n.ports.broker}`),
    webhdfsUrl: `http://127.0.0.1:${config.hdfs.namenodeHttp}`,
    hdfsUri: `hdfs://127.0.0.1:${config.hdfs.namenodeRpc}`,
    hdfsUser: config.hdfsUser,
    postgresUrl: `postgres://${POSTGRES_ROLE}:${POSTGRES_ROLE}@127.0.0.1:${config.postgresPort}/${POSTGRES_ROLE}`,
  };
}
