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

export interface InfraConfig {
  readonly stateDir: string;
  readonly jarsDir: string;
  readonly kafka: KafkaPorts;
  readonly hdfs: HdfsPorts;
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
} as const;

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

function port(env: Env, name: string, fallback: number): number {
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

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InfraError(`${name}=${raw} must be a positive integer`);
  return n;
}

function osUser(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'root' || raw === '0') {
    throw new InfraError(`${name}=${raw}: PostgreSQL refuses to run as root; name an unprivileged user`);
  }
  return raw;
}

/** Parses the environment once. Overrides (used by tests) win over the environment. */
export function readInfraConfig(env: Env = process.env, overrides: Partial<InfraConfig> = {}): InfraConfig {
  const config: InfraConfig = {
    stateDir: dir(env, 'INFRA_DIR', DEFAULTS.stateDir),
    jarsDir: dir(env, 'INFRA_JARS_DIR', DEFAULTS.jarsDir),
    kafka: {
      broker: port(env, 'KAFKA_PORT', DEFAULTS.kafka.broker),
      controller: port(env, 'KAFKA_CONTROLLER_PORT', DEFAULTS.kafka.controller),
    },
    hdfs: {
      namenodeRpc: port(env, 'HDFS_NAMENODE_PORT', DEFAULTS.hdfs.namenodeRpc),
      namenodeHttp: port(env, 'HDFS_HTTP_PORT', DEFAULTS.hdfs.namenodeHttp),
      datanode: port(env, 'HDFS_DATANODE_PORT', DEFAULTS.hdfs.datanode),
      datanodeHttp: port(env, 'HDFS_DATANODE_HTTP_PORT', DEFAULTS.hdfs.datanodeHttp),
      datanodeIpc: port(env, 'HDFS_DATANODE_IPC_PORT', DEFAULTS.hdfs.datanodeIpc),
    },
    hdfsUser: env.HDFS_USER || DEFAULTS.hdfsUser,
    postgresPort: port(env, 'POSTGRES_PORT', DEFAULTS.postgresPort),
    postgresOsUser: osUser(env, 'POSTGRES_OS_USER', DEFAULTS.postgresOsUser),
    javaHome: env.JAVA_HOME || undefined,
    mavenRepo: env.INFRA_MAVEN_REPO || undefined,
    mavenLocalRepo: env.INFRA_MAVEN_LOCAL_REPO ? resolve(env.INFRA_MAVEN_LOCAL_REPO) : undefined,
    readyTimeoutMs: positiveInt(env, 'INFRA_READY_TIMEOUT_MS', DEFAULTS.readyTimeoutMs),
    ...overrides,
  };
  const ports = [...Object.values(config.kafka), ...Object.values(config.hdfs), config.postgresPort];
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

export function endpointsOf(config: InfraConfig): Endpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${config.kafka.broker}`],
    webhdfsUrl: `http://127.0.0.1:${config.hdfs.namenodeHttp}`,
    hdfsUri: `hdfs://127.0.0.1:${config.hdfs.namenodeRpc}`,
    hdfsUser: config.hdfsUser,
    postgresUrl: `postgres://${POSTGRES_ROLE}:${POSTGRES_ROLE}@127.0.0.1:${config.postgresPort}/${POSTGRES_ROLE}`,
  };
}
