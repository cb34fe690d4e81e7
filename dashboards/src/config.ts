// The one place the dashboards package reads the environment. Every option, its variable and its
// default:
//
//   SUPERSET_PORT              8088                  Superset's web server port
//   SUPERSET_HOST              127.0.0.1             address it listens on (see "local" below)
//   SUPERSET_ADMIN_USER        admin                 the admin user created on first start
//   SUPERSET_ADMIN_PASSWORD    admin                 its password (refused when not local)
//   SUPERSET_VENV_DIR          .infra/venvs/superset the virtual environment Superset is installed in
//                                                    (shared by all instances, like .infra/jars; not
//                                                    inside an instance folder, which tests wipe)
//   SUPERSET_PYTHON            python3               the Python (3.10 to 3.12) that creates it
//   SUPERSET_READY_TIMEOUT_MS  180000                how long a start may take
//   POSTGRES_URL               infra's postgresUrl   the PostgreSQL the dashboards read (default:
//                                                    the instance's, postgres://clickstream:...@127.0.0.1:5432/clickstream)
//   INFRA_DIR                  .infra/local          the instance: Superset's metadata database,
//                                                    config and secret key live in $INFRA_DIR/superset,
//                                                    its pid and log beside Kafka's
//
// "Local" means Superset listens only on a loopback address (127.0.0.0/8, ::1, localhost): then
// nobody else can reach it, and the documented admin/admin of the demo is acceptable. On any
// other address the admin password must be set to something else.
import { isAbsolute, join, resolve } from 'node:path';
import { endpointsOf, type InfraConfig, InfraError, port, positiveInt, REPO_ROOT } from '@clickstream/infra';

export interface DashboardsConfig {
  /** The infra instance's folder (pid file, log, process marker). */
  readonly infraDir: string;
  /** This instance's Superset files: superset_config.py, secret_key, superset.db. */
  readonly stateDir: string;
  readonly venvDir: string;
  readonly python: string;
  readonly host: string;
  readonly port: number;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly postgresUrl: string;
  readonly readyTimeoutMs: number;
}

export const DEFAULT_ADMIN = { user: 'admin', password: 'admin' } as const;

type Env = Readonly<Record<string, string | undefined>>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function postgresUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InfraError(
      `POSTGRES_URL=${raw} is not a URL; expected postgres://user:password@host:port/database`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InfraError(`POSTGRES_URL=${raw} must start with postgres:// or postgresql://`);
  }
  return raw;
}

/** Parses the environment once; `overrides` (tests) win. */
export function readDashboardsConfig(
  infra: InfraConfig,
  env: Env = process.env,
  overrides: Partial<DashboardsConfig> = {},
): DashboardsConfig {
  const venv = env.SUPERSET_VENV_DIR;
  const config: DashboardsConfig = {
    infraDir: infra.stateDir,
    stateDir: join(infra.stateDir, 'superset'),
    venvDir: venv
      ? isAbsolute(venv)
        ? venv
        : resolve(venv)
      : join(REPO_ROOT, '.infra', 'venvs', 'superset'),
    python: env.SUPERSET_PYTHON || 'python3',
    host: env.SUPERSET_HOST || '127.0.0.1',
    port: port(env, 'SUPERSET_PORT', 8088),
    adminUser: env.SUPERSET_ADMIN_USER || DEFAULT_ADMIN.user,
    adminPassword: env.SUPERSET_ADMIN_PASSWORD || DEFAULT_ADMIN.password,
    postgresUrl: postgresUrl(env.POSTGRES_URL || endpointsOf(infra).postgresUrl),
    readyTimeoutMs: positiveInt(env, 'SUPERSET_READY_TIMEOUT_MS', 180_000),
    ...overrides,
  };
  if (`${config.venvDir}/`.startsWith(`${config.infraDir}/`)) {
    throw new InfraError(
      `Superset's virtual environment ${config.venvDir} would be inside the instance folder ${config.infraDir} (whose reset deletes it); choose another INFRA_DIR or SUPERSET_VENV_DIR`,
    );
  }
  if (!isLoopback(config.host) && config.adminPassword === DEFAULT_ADMIN.password) {
    throw new InfraError(
      `SUPERSET_HOST=${config.host} lets other machines reach Superset, so the demo password 'admin' is refused; set SUPERSET_ADMIN_PASSWORD to a strong password`,
    );
  }
  return config;
}

/** Where Superset answers. */
export function supersetUrl(config: Pick<DashboardsConfig, 'host' | 'port'>): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/** The SQLAlchemy URL of the PostgreSQL database (psycopg2 driver) for Superset. */
export function sqlalchemyUrl(postgresUrl: string): string {
  return postgresUrl.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
}
