// up / down / status of one local instance (Kafka + HDFS + PostgreSQL). `up` is idempotent: running services are
// left alone. `down` stops only the processes whose pid files and command-line markers are ours.
import { type Endpoints, endpointsOf, type InfraConfig } from './config.ts';
import { hdfsProcesses, prepareHdfs } from './hdfs-server.ts';
import { kafkaProcesses, type Prepared, prepareKafka } from './kafka-server.ts';
import { postgresProcess, preparePostgres } from './postgres-server.ts';
import { checkJava } from './prereqs.ts';
import {
  addOnProcesses,
  type ManagedProcess,
  rssMiB,
  runningPid,
  stopProcess,
  treeMemoryMiB,
} from './processes.ts';

export type Log = (line: string) => void;

function allProcesses(config: InfraConfig): ManagedProcess[] {
  const { namenode, datanodes } = hdfsProcesses(config);
  const own = [...kafkaProcesses(config), namenode, ...datanodes, postgresProcess(config)];
  return [
    ...own,
    ...addOnProcesses(
      config.stateDir,
      own.map((p) => p.role),
    ),
  ];
}

async function timed(name: string, log: Log, service: Prepared): Promise<number> {
  const t0 = performance.now();
  await service.launch();
  const seconds = (performance.now() - t0) / 1000;
  log(service.alreadyRunning ? `${name} already running` : `${name} ready in ${seconds.toFixed(1)} s`);
  return seconds;
}

export interface UpResult extends Endpoints {
  /** Seconds until each service was ready (0 when it was already running). */
  readonly seconds: { readonly kafka: number; readonly hdfs: number; readonly postgres: number };
}

/** Starts whatever is not running yet and waits until everything is ready. */
export async function infraUp(config: InfraConfig, log: Log = () => {}): Promise<UpResult> {
  checkJava(config.javaHome);
  // Check and set up all before starting any, then start them in parallel.
  const kafkaService = await prepareKafka(config, log);
  const hdfsService = await prepareHdfs(config, log);
  const postgresService = await preparePostgres(config, log);
  const [kafka, hdfs, postgres] = await Promise.all([
    timed('Kafka', log, kafkaService),
    timed('HDFS', log, hdfsService),
    timed('PostgreSQL', log, postgresService),
  ]);
  return { ...endpointsOf(config), seconds: { kafka, hdfs, postgres } };
}

/** Starts only Kafka (benchmarks and fault tests that need no HDFS); idempotent like `infraUp`. */
export async function kafkaUp(config: InfraConfig, log: Log = () => {}): Promise<number> {
  checkJava(config.javaHome);
  return timed('Kafka', log, await prepareKafka(config, log));
}

/** Stops only this instance's Kafka, every node (its data stays); returns whether it was running. */
export async function kafkaDown(config: InfraConfig, log: Log = () => {}): Promise<boolean> {
  const stopped = await Promise.all(
    kafkaProcesses(config).map(async (p) => {
      const was = await stopProcess(p);
      if (was) log(`stopped ${p.role}`);
      return was;
    }),
  );
  return stopped.some(Boolean);
}

/**
 * Starts whatever of HDFS is not running (the NameNode, DataNodes) and waits until it is ready;
 * idempotent like `infraUp` (fault tests restart a stopped node with it).
 */
export async function hdfsUp(config: InfraConfig, log: Log = () => {}): Promise<number> {
  checkJava(config.javaHome);
  return timed('HDFS', log, await prepareHdfs(config, log));
}

/** Starts only PostgreSQL (tests of the database code need nothing else); idempotent. */
export async function postgresUp(config: InfraConfig, log: Log = () => {}): Promise<number> {
  return timed('PostgreSQL', log, await preparePostgres(config, log));
}

/** Stops only this instance's PostgreSQL (its data stays); returns whether it was running. */
export async function postgresDown(config: InfraConfig, log: Log = () => {}): Promise<boolean> {
  const stopped = await stopProcess(postgresProcess(config));
  if (stopped) log('stopped postgres');
  return stopped;
}

/**
 * Stops the processes this instance started: first those other packages added (Superset reads
 * PostgreSQL), then DataNode before NameNode, Kafka and PostgreSQL in parallel.
 */
export async function infraDown(config: InfraConfig, log: Log = () => {}): Promise<void> {
  const { namenode, datanodes } = hdfsProcesses(config);
  const stop = async (p: ManagedProcess) => {
    if (await stopProcess(p)) log(`stopped ${p.role}`);
  };
  const kafka = kafkaProcesses(config);
  const own = [...kafka, namenode, ...datanodes, postgresProcess(config)].map((p) => p.role);
  await Promise.all(addOnProcesses(config.stateDir, own).map(stop));
  await Promise.all([
    ...kafka.map(stop),
    stop(postgresProcess(config)),
    Promise.all(datanodes.map(stop)).then(() => stop(namenode)),
  ]);
}

export interface ProcessStatus {
  readonly role: string;
  readonly pid: number | null;
  /** Resident memory of the main process. */
  readonly rssMiB: number | null;
  /** PSS of the process and its children (PostgreSQL's workers): what it costs the machine. */
  readonly memoryMiB: number | null;
  readonly logFile: string;
}

export function infraStatus(config: InfraConfig): ProcessStatus[] {
  return allProcesses(config).map((p) => {
    const pid = runningPid(p);
    return {
      role: p.role,
      pid,
      rssMiB: pid === null ? null : rssMiB(pid),
      memoryMiB: pid === null ? null : treeMemoryMiB(pid),
      logFile: p.logFile,
    };
  });
}
