// A wrong or missing prerequisite makes `infra up` fail with one line that says what to do.
// These run the real CLI in a child process with a broken environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readInfraConfig } from '../src/config.ts';
import { infraDown } from '../src/infra.ts';
import { freePorts } from './global-setup.ts';

const CLI = join(REPO_ROOT, 'infra', 'src', 'cli.ts');
// A PATH with node and nothing else (node may live in /usr/bin beside java and mvn).
const NODE_ONLY_PATH = mkdtempSync(join(tmpdir(), 'node-only-'));
symlinkSync(process.execPath, join(NODE_ONLY_PATH, 'node'));

function which(cmd: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      return realpathSync(join(dir, cmd));
    } catch {}
  }
  throw new Error(`${cmd} not on PATH`);
}

// Every state folder a run used: if a broken-environment run ever got as far as starting
// services, afterAll stops them.
const stateDirs: string[] = [];

async function runUp(env: Record<string, string | undefined>) {
  const ports = await freePorts(8);
  const vars = [
    'KAFKA_PORT',
    'KAFKA_CONTROLLER_PORT',
    'HDFS_NAMENODE_PORT',
    'HDFS_HTTP_PORT',
    'HDFS_DATANODE_PORT',
    'HDFS_DATANODE_HTTP_PORT',
    'HDFS_DATANODE_IPC_PORT',
    'POSTGRES_PORT',
  ];
  const merged: Record<string, string | undefined> = {
    ...process.env,
    ...Object.fromEntries(vars.map((v, i) => [v, String(ports[i])])),
    INFRA_DIR: mkdtempSync(join(tmpdir(), 'infra-prereq-')),
    ...env,
  };
  stateDirs.push(merged.INFRA_DIR as string);
  // `undefined` removes a variable.
  const full = Object.fromEntries(
    Object.entries(merged).filter(([, v]) => v !== undefined),
  ) as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'up'], {
    cwd: REPO_ROOT,
    env: full as NodeJS.ProcessEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, stderr: stderr.trim() };
}

function expectOneLine(stderr: string, pattern: RegExp) {
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).toMatch(/^infra: /);
  expect(stderr).toMatch(pattern);
}

describe('infra up with a broken environment', () => {
  let blocker: Server;
  let takenPort = 0;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => blocker.close(() => r()));
    for (const stateDir of stateDirs) await infraDown(readInfraConfig({}, { stateDir }));
  });

  it('no Java on PATH', async () => {
    const r = await runUp({ PATH: NODE_ONLY_PATH, JAVA_HOME: undefined });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /Java 17 or newer is required.*install a JDK 17\+.*JAVA_HOME/);
  });

  it('JAVA_HOME pointing nowhere', async () => {
    const r = await runUp({ JAVA_HOME: '/nonexistent/jdk' });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /no `java` was found on JAVA_HOME=\/nonexistent\/jdk/);
  });

  it('a port already taken', async () => {
    const r = await runUp({ KAFKA_PORT: String(takenPort) });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, new RegExp(`port ${takenPort} \\(Kafka\\).*already in use.*KAFKA_PORT=<port>`));
  });

  it('the PostgreSQL port already taken', async () => {
    const r = await runUp({ POSTGRES_PORT: String(takenPort) });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(`port ${takenPort} \\(PostgreSQL\\).*already in use.*POSTGRES_PORT=<port>`),
    );
  });

  it('a port that is not a number', async () => {
    const r = await runUp({ HDFS_HTTP_PORT: 'ninety' });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /HDFS_HTTP_PORT=ninety is not a port number/);
  });

  it('Maven cannot reach its repository', { timeout: 120_000 }, async () => {
    const [closed] = await freePorts(1);
    const r = await runUp({
      INFRA_JARS_DIR: mkdtempSync(join(tmpdir(), 'infra-jars-')),
      INFRA_MAVEN_LOCAL_REPO: mkdtempSync(join(tmpdir(), 'infra-m2-')),
      INFRA_MAVEN_REPO: `http://127.0.0.1:${closed}/maven2`,
    });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      /Maven could not fetch the (Kafka|HDFS \(Hadoop\)) jars from the mirror .*INFRA_MAVEN_REPO.*full output: /,
    );
  });

  it('no Maven when jars are missing', async () => {
    const javaHome = dirname(dirname(which('java')));
    const r = await runUp({
      PATH: NODE_ONLY_PATH,
      JAVA_HOME: javaHome,
      INFRA_JARS_DIR: mkdtempSync(join(tmpdir(), 'infra-jars-')),
    });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /Maven is needed once to fetch the Kafka and HDFS jars.*apt-get install maven/);
  });
});
