// Global setup of the `integration` test project: starts a private Kafka + HDFS + PostgreSQL
// instance through infra/ (its own state folder and free ports, so a running demo instance is never
// touched), hands its endpoints to the tests with `inject('infra')`, and stops it afterwards.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type Endpoints, endpointsOf, REPO_ROOT, readInfraConfig } from '../src/config.ts';
import { infraDown, infraStatus, infraUp } from '../src/infra.ts';
import { freePort } from '../src/prereqs.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: Endpoints;
    /** The instance's state folder: services other packages start (Superset) live there too. */
    infraDir: string;
  }
}

/** Distinct free ports, picked by the OS. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * A config for a private instance under .infra/<name>, on free ports: one Kafka node and one
 * DataNode unless `brokers` and `datanodes` say more.
 */
export async function privateInstance(name: string, opts: { brokers?: number; datanodes?: number } = {}) {
  const brokers = opts.brokers ?? 1;
  const datanodes = opts.datanodes ?? 1;
  const ports = await freePorts(8 + 2 * (brokers - 1) + 3 * (datanodes - 1));
  const [broker, controller, namenodeRpc, namenodeHttp, datanode, datanodeHttp, datanodeIpc, postgres] =
    ports;
  const extra = ports.slice(8);
  const next = () => extra.shift()!;
  return readInfraConfig(process.env, {
    kafkaExtraNodes: Array.from({ length: brokers - 1 }, () => ({ broker: next(), controller: next() })),
    hdfsExtraDataNodes: Array.from({ length: datanodes - 1 }, () => ({
      datanode: next(),
      datanodeHttp: next(),
      datanodeIpc: next(),
    })),
    stateDir: join(REPO_ROOT, '.infra', name),
    kafka: { broker: broker!, controller: controller! },
    hdfs: {
      namenodeRpc: namenodeRpc!,
      namenodeHttp: namenodeHttp!,
      datanode: datanode!,
      datanodeHttp: datanodeHttp!,
      datanodeIpc: datanodeIpc!,
    },
    postgresPort: postgres!,
  });
}

/** Starts, on new ports each time, when a port was taken by someone else meanwhile. */
const MAX_ATTEMPTS = 3;

export default async function setup(project: TestProject) {
  const log = (line: string) => console.log(`[integration] ${line}`);
  // INFRA_TEST_INSTANCE lets two test runs share a machine (each gets .infra/<name>).
  const name = process.env.INFRA_TEST_INSTANCE || 'test';
  let config = await privateInstance(name);
  // A crashed earlier run may have left its JVMs behind: stop them (markers name this folder).
  await infraDown(config);
  for (let attempt = 1; ; attempt++) {
    rmSync(config.stateDir, { recursive: true, force: true });
    log(`starting real Kafka, HDFS and PostgreSQL for the tests (state and logs in ${config.stateDir})`);
    try {
      await infraUp(config, log);
      break;
    } catch (err) {
      await infraDown(config);
      // Another process on the machine may bind one of the ports picked for us before our server
      // does; new ports then, rather than a failed run.
      if (attempt === MAX_ATTEMPTS || !/address already in use/i.test(String(err))) throw err;
      log(`${(err as Error).message.split('\n')[0]}: starting again on other ports`);
      config = await privateInstance(name);
    }
  }
  for (const s of infraStatus(config))
    log(`${s.role} pid ${s.pid}, rss ${s.rssMiB} MiB, pss ${s.memoryMiB} MiB, log ${s.logFile}`);
  const endpoints = endpointsOf(config);
  log(`Kafka ${endpoints.kafkaBrokers.join(',')}; WebHDFS ${endpoints.webhdfsUrl}; ${endpoints.postgresUrl}`);
  project.provide('infra', endpoints);
  project.provide('infraDir', config.stateDir);

  return async () => {
    await infraDown(config, log);
  };
}
