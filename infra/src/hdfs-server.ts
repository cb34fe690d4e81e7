// HDFS: one NameNode and one DataNode, from the jars in <jarsDir>/hadoop, with WebHDFS on.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsOf, type InfraConfig, PORT_VARIABLES, REPO_ROOT } from './config.ts';
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

export function hdfsProcesses(config: InfraConfig): { namenode: ManagedProcess; datanode: ManagedProcess } {
  return {
    namenode: managedProcess('namenode', config.stateDir),
    datanode: managedProcess('datanode', config.stateDir),
  };
}

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

function renderConf(config: InfraConfig, hdfsDir: string): string {
  const conf = join(hdfsDir, 'conf');
  const vars = {
    HDFS_DIR: hdfsDir,
    HDFS_USER: config.hdfsUser,
    NAMENODE_RPC_PORT: config.hdfs.namenodeRpc,
    NAMENODE_HTTP_PORT: config.hdfs.namenodeHttp,
    DATANODE_PORT: config.hdfs.datanode,
    DATANODE_HTTP_PORT: config.hdfs.datanodeHttp,
    DATANODE_IPC_PORT: config.hdfs.datanodeIpc,
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

/** Ready = the NameNode reports a live DataNode and a WebHDFS write (and delete) succeeds. */
async function probeHdfs(config: InfraConfig): Promise<boolean> {
  const { webhdfsUrl, hdfsUser } = endpointsOf(config);
  if ((await jmxLiveDataNodes(webhdfsUrl)) < 1) return false;
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
  const { namenode, datanode } = hdfsProcesses(config);
  const nnRunning = runningPid(namenode) !== null;
  const dnRunning = runningPid(datanode) !== null;
  const ready = () => probeHdfs(config);
  const waitReady = () => waitUntilReady('HDFS', [namenode, datanode], ready, config.readyTimeoutMs);
  if (nnRunning && dnRunning) return { alreadyRunning: true, launch: waitReady };

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
  if (!dnRunning) {
    ports.push(
      { port: config.hdfs.datanode, what: 'HDFS DataNode', variable: PORT_VARIABLES['hdfs.datanode'] },
      {
        port: config.hdfs.datanodeHttp,
        what: 'HDFS DataNode HTTP',
        variable: PORT_VARIABLES['hdfs.datanodeHttp'],
      },
      {
        port: config.hdfs.datanodeIpc,
        what: 'HDFS DataNode IPC',
        variable: PORT_VARIABLES['hdfs.datanodeIpc'],
      },
    );
  }
  await checkPortsFree(ports);
  const jars = ensureJars('hadoop', { ...config, log });
  const hdfsDir = join(config.stateDir, 'hdfs');
  const conf = renderConf(config, hdfsDir);
  const java = javaCommand(config.javaHome);
  const logsDir = join(config.stateDir, 'logs');
  const common = [
    ...JPMS_OPTIONS,
    '-Djava.net.preferIPv4Stack=true',
    `-Dhadoop.home.dir=${hdfsDir}`,
    `-Dhadoop.log.dir=${logsDir}`,
    `-Dlog4j.configuration=file:${join(conf, 'log4j.properties')}`,
    '-cp',
    `${conf}:${jars}/*`,
  ];

  if (!existsSync(join(hdfsDir, 'name', 'current', 'VERSION'))) {
    // A new namespace gets a new cluster id; blocks from an older one would be refused.
    rmSync(join(hdfsDir, 'data'), { recursive: true, force: true });
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
      if (!dnRunning)
        startJava(datanode, java, ['-Xmx256m', ...common, 'org.apache.hadoop.hdfs.server.datanode.DataNode']);
      await waitReady();
    },
  };
}
