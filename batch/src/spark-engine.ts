// Spark SQL as the batch's engine: one JVM (batch/spark/BatchSql.java, run in Java's source-file
// mode, so there is no build step) holding one SparkSession, local by default or on any master
// (SPARK_MASTER). It reads the lake from HDFS directly (hdfs://, Spark's own Hadoop client), and
// the batch sends it the portable SQL over stdin, one JSON request per line. Started once per
// batch run (a backfill, or a test file) because the JVM and Spark take seconds to start.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '@clickstream/infra';
import { LAKE_COLUMNS } from '@clickstream/schema';
import type { SparkSettings } from './config.ts';
import type { LakeSource, QueryResult, SideColumn, SideValue, SqlEngine } from './engine.ts';
import { lakeColumnsSql } from './engine.ts';
import { BatchError } from './errors.ts';
import type { LakeFile } from './lake-files.ts';
import { listDayFiles } from './lake-files.ts';
import { FIRST_SEEN_SQL } from './prepare.ts';

/**
 * Spark's launcher adds these module options (launcher/.../JavaModuleOptions.java); started with
 * plain `java`, the batch adds them itself.
 */
const JAVA_MODULE_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  '--add-modules=jdk.incubator.vector',
  ...[
    'java.base/java.lang',
    'java.base/java.lang.invoke',
    'java.base/java.lang.reflect',
    'java.base/java.io',
    'java.base/java.net',
    'java.base/java.nio',
    'java.base/java.util',
    'java.base/java.util.concurrent',
    'java.base/java.util.concurrent.atomic',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.base/sun.nio.cs',
    'java.base/sun.security.action',
    'java.base/sun.util.calendar',
    'java.security.jgss/sun.security.krb5',
  ].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
  '-Dio.netty.tryReflectionSetAccessible=true',
  '--enable-native-access=ALL-UNNAMED',
];

const TYPES = {
  string: 'STRING',
  timestamp_ms: 'TIMESTAMP',
  int32: 'INT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  decimal: 'DECIMAL(18,6)',
} as const;

const STARTUP_TIMEOUT_MS = 300_000;

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly version?: string;
  readonly rows?: unknown;
  readonly columns?: string[];
}

export interface SparkOptions extends SparkSettings {
  /** The Spark log (stderr of the JVM) goes to <workDir>/spark.log. */
  readonly workDir: string;
  readonly log?: (line: string) => void;
}

export async function openSpark(opts: SparkOptions): Promise<SparkEngine> {
  const jars = join(opts.jarsDir, 'spark');
  if (!existsSync(join(jars, '.complete')))
    throw new BatchError(
      `no Spark jars in ${jars}: fetch them once with npm run infra:fetch (or set INFRA_JARS_DIR)`,
    );
  mkdirSync(opts.workDir, { recursive: true });
  const logFile = join(opts.workDir, 'spark.log');
  const log4j = join(opts.workDir, 'log4j2.properties');
  writeFileSync(
    log4j,
    [
      'rootLogger.level = warn',
      'rootLogger.appenderRef.stderr.ref = console',
      'appender.console.type = Console',
      'appender.console.name = console',
      'appender.console.target = SYSTEM_ERR',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n',
      '',
    ].join('\n'),
  );
  const java = opts.javaHome ? join(opts.javaHome, 'bin', 'java') : 'java';
  const args = [
    ...JAVA_MODULE_OPTIONS,
    `-Xmx${opts.driverMemory}`,
    ...opts.javaOptions,
    `-Dlog4j2.configurationFile=${log4j}`,
    `-Djava.io.tmpdir=${opts.workDir}`,
    '-cp',
    `${jars}/*`,
    join(REPO_ROOT, 'batch', 'spark', 'BatchSql.java'),
    opts.master,
    String(opts.shufflePartitions),
    ...opts.conf,
  ];
  const child = spawn(java, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' },
  });
  const logStream = createWriteStream(logFile);
  child.stderr?.pipe(logStream);
  const engine = new SparkEngine(child, opts, logFile);
  child.on('error', (err) =>
    engine.fail(
      new BatchError(`cannot start Java for Spark (${err.message}): install a JDK 17+ or set JAVA_HOME`),
    ),
  );
  const ready = await engine.waitReady();
  engine.description = `spark ${ready.version} ${opts.master}`;
  opts.log?.(`started ${engine.description} (pid ${child.pid}, log ${logFile})`);
  return engine;
}

export class SparkEngine implements SqlEngine {
  description = 'spark';
  readonly #child: ChildProcess;
  readonly #opts: SparkOptions;
  readonly #logFile: string;
  readonly #pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #failure: Error | null = null;
  /** Requests run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(child: ChildProcess, opts: SparkOptions, logFile: string) {
    this.#child = child;
    this.#opts = opts;
    this.#logFile = logFile;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        return; // not a protocol line
      }
      const waiter = this.#pending.get(answer.id);
      if (!waiter) return;
      this.#pending.delete(answer.id);
      waiter.resolve(answer);
    });
    child.on('exit', (code, signal) => {
      this.fail(
        new BatchError(
          `the Spark process ended (${signal ?? `exit code ${code}`}): ${this.#lastLogLine() ?? 'no message'}; full log: ${this.#logFile}`,
        ),
      );
    });
  }

  /** The first answer (id 0) says the SparkSession is up. */
  waitReady(): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        reject(
          new BatchError(`Spark did not start within ${STARTUP_TIMEOUT_MS / 1000} s; log: ${this.#logFile}`),
        );
      }, STARTUP_TIMEOUT_MS);
      this.#pending.set(0, {
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  fail(err: Error): void {
    this.#failure ??= err;
    for (const [id, waiter] of this.#pending) {
      this.#pending.delete(id);
      waiter.reject(err);
    }
  }

  #lastLogLine(): string | null {
    try {
      const lines = readFileSync(this.#logFile, 'utf8').trimEnd().split('\n');
      return lines.reverse().find((l) => /error|exception/i.test(l)) ?? lines[0] ?? null;
    } catch {
      return null;
    }
  }

  #request(body: Record<string, unknown>): Promise<Answer> {
    const run = () =>
      new Promise<Answer>((resolve, reject) => {
        if (this.#failure) return reject(this.#failure);
        const id = this.#nextId++;
        this.#pending.set(id, {
          resolve: (a) => {
            if (process.env.BATCH_SPARK_TRACE)
              process.stderr.write(
                `spark ${String(body.op)} ${String(body.name ?? '')} ${String((a as { ms?: number }).ms)} ms\n`,
              );
            return a.ok
              ? resolve(a)
              : reject(new Error(`Spark SQL: ${a.error ?? 'failed'} (op ${String(body.op)})`));
          },
          reject,
        });
        this.#child.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
      });
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  #uri(path: string): string {
    return `${this.#opts.hdfsUri}${path}`;
  }

  async readLake(name: string, files: readonly LakeFile[]): Promise<void> {
    if (files.length === 0) {
      await this.view(name, `SELECT ${lakeColumnsSql(TYPES, 'STRING').join(', ')} WHERE false`);
      return;
    }
    const first = files[0]!.path;
    const basePath = first.slice(0, first.lastIndexOf('/events/dt=') + '/events'.length);
    const schema = [
      ...LAKE_COLUMNS.map((c) => `${c.name} ${TYPES[c.type]}`),
      'dt STRING',
      'hour STRING',
    ].join(', ');
    await this.#request({
      op: 'parquet',
      name,
      schema,
      basePath: this.#uri(basePath),
      paths: files.map((f) => this.#uri(f.path)),
    });
  }

  async registerRows(name: string, columns: readonly SideColumn[], rows: readonly (readonly SideValue[])[]) {
    const schema = columns.map((c) => `${c.name} ${c.type}`).join(', ');
    const objects = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i] ?? null])));
    await this.#request({ op: 'rows', name, schema, rows: objects });
  }

  async view(name: string, sql: string): Promise<void> {
    await this.#request({ op: 'view', name, sql });
  }

  async materialize(name: string, sql: string): Promise<number> {
    const a = await this.#request({ op: 'materialize', name, sql });
    return Number(a.rows);
  }

  async query(sql: string): Promise<QueryResult> {
    const a = await this.#request({ op: 'query', sql });
    return { columns: a.columns ?? [], rows: (a.rows as (string | null)[][]) ?? [] };
  }

  async drop(name: string): Promise<void> {
    await this.#request({ op: 'drop', name });
  }

  /** Spark reads the history days from HDFS itself (column pruning keeps it to four columns). */
  async loadHistory(source: LakeSource, days: readonly string[]): Promise<void> {
    const files: LakeFile[] = [];
    for (const dt of days) files.push(...(await listDayFiles(source.hdfs, source.layout, dt)));
    await this.readLake('history_lake', files);
    await this.materialize('history', FIRST_SEEN_SQL('history_lake'));
    await this.drop('history_lake');
  }

  async close(): Promise<void> {
    if (this.#failure || this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await this.#request({ op: 'stop' }).catch(() => {});
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
