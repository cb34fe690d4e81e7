// HDFS: one NameNode and one or more DataNodes (INFRA_HDFS_DATANODES), from the jars in
// <jarsDir>/hadoop, with WebHDFS on. DataNode 1 keeps the role `datanode`, its data in `hdfs/data`
// and the config in `hdfs/conf`; DataNode n is `datanode-n` with `hdfs/data-n` and `hdfs/conf-n`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DataNodePorts,
  dataNodesOf,
  endpointsOf,
  type InfraConfig,
  PORT_VARIABLES,
  REPO_ROOT,
} from './config.ts';
import { InfraError } from './errors.ts';
import { ensureJars } from './jars.ts';
import type { Prepared } from './kafka-server.ts';
import { checkPortsFree, javaCommand } from './prereqs.ts';
import {
  type ManagedProcess,
  managedProcess,
  renderTemplate,
  runningPid,
  startJava,
  waitUntilReady,
} from './processes.ts';
import { WebHdfsClient } from './webhdfs.ts';

const TEMPLATES = join(REPO_ROOT, 'infra', 'hadoop');

/** DataNode `id`'s role: `datanode` for DataNode 1, `datanode-<id>` for the others. */
export const dataNodeRole = (id: number) => (id === 1 ? 'datanode' : `datanode-${id}`);

/** The NameNode, DataNode 1 (`datanode`) and every DataNode (`datanodes`, DataNode 1 first). */
export function hdfsProcesses(config: InfraConfig): {
  namenode: ManagedProcess;
  datanode: ManagedProcess;
  datanodes: ManagedProcess[];
} {
  const datanodes = dataNodesOf(config).map((d) => managedProcess(dataNodeRole(d.id), config.stateDir));
  return { namenode: managedProcess('namenode', config.stateDir), datanode: datanodes[0]!, datanodes };
}

/** Replicas per block: one per DataNode, at most 3. */
export const hdfsReplication = (datanodes: number) => Math.max(1, Math.min(3, datanodes));

// Hadoop's own launcher adds these on Java 17 (hadoop-functions.sh, HADOOP-19310).
const JPMS_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.io',
    'java.lang',
    'java.lang.reflect',
    'java.math',
    'java.net',
    'java.nio',
    'java.text',
    'java.util',
    'java.util.concurrent',
    'java.util.zip',
    'sun.nio.ch',
    'sun.security.util',
    'sun.security.x509',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
];

const suffix = (id: number) => (id === 1 ? '' : `-${id}`);

/** Renders DataNode `id`'s config folder (DataNode 1's is also the NameNode's). */
function renderConf(config: InfraConfig, hdfsDir: string, id: number, ports: DataNodePorts): string {
  const conf = join(hdfsDir, `conf${suffix(id)}`);
  const vars = {
    HDFS_DIR: hdfsDir,
    HDFS_USER: config.hdfsUser,
    DATA_DIR: join(hdfsDir, `data${suffix(id)}`),
    REPLICATION: hdfsReplication(dataNodesOf(config).length),
    NAMENODE_RPC_PORT: config.hdfs.namenodeRpc,
    NAMENODE_HTTP_PORT: config.hdfs.namenodeHttp,
    DATANODE_PORT: ports.datanode,
    DATANODE_HTTP_PORT: ports.datanodeHttp,
    DATANODE_IPC_PORT: ports.datanodeIpc,
  };
  mkdirSync(conf, { recursive: true });
  for (const name of ['core-site.xml', 'hdfs-site.xml']) {
    const template = readFileSync(join(TEMPLATES, `${name}.template`), 'utf8');
    writeFileSync(join(conf, name), renderTemplate(template, vars));
  }
  copyFileSync(join(TEMPLATES, 'log4j.properties'), join(conf, 'log4j.properties'));
  // The hadoop-hdfs jar on Maven Central leaves out the web UI's static files, but the HTTP server
  // refuses to start unless webapps/<name> is on the classpath. WebHDFS and JMX are servlets in the
  // jar, so empty folders are enough; only the HTML UI is missing.
  for (const app of ['hdfs', 'datanode', 'secondary', 'static'])
    mkdirSync(join(conf, 'webapps', app), { recursive: true });
  return conf;
}

async function jmxLiveDataNodes(webhdfsUrl: string): Promise<number> {
  try {
    const res = await fetch(`${webhdfsUrl}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await res.json()) as { beans?: Array<{ NumLiveDataNodes?: number }> };
    return body.beans?.[0]?.NumLiveDataNodes ?? 0;
  } catch {
    return 0;
  }
}

/** Whether a DataNode's HTTP server answers (it starts once the DataNode is up). */
async function dataNodeAnswers(ports: DataNodePorts): Promise<boolean> {
  try {
    const res = await fetch(
      `http://127.0.0.1:${ports.datanodeHttp}/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo`,
      {
        signal: AbortSignal.timeout(2_000),
      },
    );
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Ready = every DataNode answers, the NameNode reports them all live and a WebHDFS write (and
 * delete) succeeds. Each DataNode is asked itself: the NameNode still counts one killed a moment
 * ago as live (until its heartbeats are missed), which would call a restart ready at once.
 */
async function probeHdfs(config: InfraConfig): Promise<boolean> {
  const { webhdfsUrl, hdfsUser } = endpointsOf(config);
  const dataNodes = dataNodesOf(config);
  if (!(await Promise.all(dataNodes.map((d) => dataNodeAnswers(d.ports)))).every(Boolean)) return false;
  if ((await jmxLiveDataNodes(webhdfsUrl)) < dataNodes.length) return false;
  const client = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser, timeoutMs: 5_000 });
  const probe = `/tmp/.infra-ready-probe-${process.pid}`;
  try {
    await client.create(probe, 'ok', { overwrite: true });
    await client.delete(probe);
    return true;
  } catch {
    return false;
  }
}

export async function prepareHdfs(config: InfraConfig, log: (line: string) => void): Promise<Prepared> {
  const { namenode, datanodes } = hdfsProcesses(config);
  const nnRunning = runningPid(namenode) !== null;
  const stoppedDataNodes = dataNodesOf(config).filter((d) => runningPid(datanodes[d.id - 1]!) === null);
  const ready = () => probeHdfs(config);
  const waitReady = () => waitUntilReady('HDFS', [namenode, ...datanodes], ready, config.readyTimeoutMs);
  if (nnRunning && stoppedDataNodes.length === 0) return { alreadyRunning: true, launch: waitReady };

  const ports = [];
  if (!nnRunning) {
    ports.push(
      {
        port: config.hdfs.namenodeRpc,
        what: 'HDFS NameNode RPC',
        variable: PORT_VARIABLES['hdfs.namenodeRpc'],
      },
      {
        port: config.hdfs.namenodeHttp,
        what: 'HDFS NameNode HTTP',
        variable: PORT_VARIABLES['hdfs.namenodeHttp'],
      },
    );
  }
  for (const { id, ports: p } of stoppedDataNodes) {
    // DataNode n's ports follow DataNode 1's, so the same variables move them.
    const which = id === 1 ? '' : ` ${id}`;
    ports.push(
      { port: p.datanode, what: `HDFS DataNode${which}`, variable: PORT_VARIABLES['hdfs.datanode'] },
      {
        port: p.datanodeHttp,
        what: `HDFS DataNode${which} HTTP`,
        variable: PORT_VARIABLES['hdfs.datanodeHttp'],
      },
      {
        port: p.datanodeIpc,
        what: `HDFS DataNode${which} IPC`,
        variable: PORT_VARIABLES['hdfs.datanodeIpc'],
      },
    );
  }
  await checkPortsFree(ports);
  const jars = ensureJars('hadoop', { ...config, log });
  const hdfsDir = join(config.stateDir, 'hdfs');
  const confs = dataNodesOf(config).map((d) => renderConf(config, hdfsDir, d.id, d.ports));
  const java = javaCommand(config.javaHome);
  const logsDir = join(config.stateDir, 'logs');
  const commonFor = (conf: string) => [
    ...JPMS_OPTIONS,
    '-Djava.net.preferIPv4Stack=true',
    `-Dhadoop.home.dir=${hdfsDir}`,
    `-Dhadoop.log.dir=${logsDir}`,
    `-Dlog4j.configuration=file:${join(conf, 'log4j.properties')}`,
    '-cp',
    `${conf}:${jars}/*`,
  ];
  const common = commonFor(confs[0]!);

  if (!existsSync(join(hdfsDir, 'name', 'current', 'VERSION'))) {
    // A new namespace gets a new cluster id; blocks from an older one would be refused.
    for (const { id } of dataNodesOf(config))
      rmSync(join(hdfsDir, `data${suffix(id)}`), { recursive: true, force: true });
    const format = spawnSync(
      java,
      [...common, 'org.apache.hadoop.hdfs.server.namenode.NameNode', '-format', '-force', '-nonInteractive'],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) {
      const why =
        format.stderr.split('\n').find((l) => /ERROR|Exception/.test(l)) ?? `exit code ${format.status}`;
      throw new InfraError(`formatting the HDFS NameNode in ${hdfsDir}/name failed: ${why.trim()}`);
    }
  }

  return {
    alreadyRunning: false,
    async launch() {
      if (!nnRunning)
        startJava(namenode, java, ['-Xmx512m', ...common, 'org.apache.hadoop.hdfs.server.namenode.NameNode']);
      for (const { id } of stoppedDataNodes)
        startJava(datanodes[id - 1]!, java, [
          '-Xmx256m',
          ...commonFor(confs[id - 1]!),
          'org.apache.hadoop.hdfs.server.datanode.DataNode',
        ]);
      await waitReady();
    },
  };
}
