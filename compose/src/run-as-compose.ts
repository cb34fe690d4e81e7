// Runs our services the way compose would start their containers, but as processes on this
// machine: the command (compose's, else the image's CMD) in the image's working directory (the
// repository root), with exactly the environment the container gets (the image's ENV overlaid with
// compose's `environment`) and nothing else from this process. Only addresses change, by one
// explicit map: stack host names and ports become the local services' addresses, the ports our
// servers listen on become free ones, files in the container's /tmp go to a folder of the caller's.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import type { ServiceEnv } from './check-service-env.ts';
import type { ComposeModel } from './compose-file.ts';
import { commandArgs, publishedPorts } from './compose-file.ts';
import { imageOf, type Stage } from './dockerfile.ts';

export interface AddressMap {
  /** `host:port` as written in compose (e.g. `kafka:9092`, `localhost:8081`) -> `127.0.0.1:<port>`. */
  readonly hostPorts: Readonly<Record<string, string>>;
  /** Per service: the container port it listens on -> the free port it gets here. */
  readonly listenPorts: Readonly<Record<string, Readonly<Record<number, number>>>>;
  /** The folder that stands in for the container's /tmp. */
  readonly tmpDir: string;
}

/** The address map for our services' published ports, given free ports in order. */
export function publishedPortMap(
  model: ComposeModel,
  services: readonly string[],
  freePorts: readonly number[],
  publicHost = 'localhost',
): Pick<AddressMap, 'hostPorts' | 'listenPorts'> {
  const hostPorts: Record<string, string> = {};
  const listenPorts: Record<string, Record<number, number>> = {};
  let next = 0;
  for (const name of services) {
    listenPorts[name] = {};
    for (const { host, container } of publishedPorts(
      model.services[name] ?? { environment: {}, depends_on: {} },
    )) {
      const port = freePorts[next++];
      if (port === undefined) throw new Error('not enough free ports');
      (listenPorts[name] as Record<number, number>)[container] = port;
      hostPorts[`${name}:${container}`] = `127.0.0.1:${port}`;
      hostPorts[`${publicHost}:${host}`] = `127.0.0.1:${port}`;
    }
  }
  return { hostPorts, listenPorts };
}

/** The environment a service gets here: compose's, with every address mapped. */
export function mapEnvironment(service: ServiceEnv, map: AddressMap): Record<string, string> {
  const ports = map.listenPorts[service.service] ?? {};
  // A value that is only a host name the map knows (SUPERSET_HOST: superset) is this machine too.
  const hostNames = new Set(Object.keys(map.hostPorts).map((hp) => hp.split(':')[0]));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(service.env)) {
    let v = value;
    if (v === '0.0.0.0' || hostNames.has(v)) v = '127.0.0.1';
    else if (/^\d+$/.test(v) && ports[Number(v)] !== undefined) v = String(ports[Number(v)]);
    else if (v.startsWith('/tmp/')) v = join(map.tmpDir, v.slice('/tmp/'.length));
    else
      for (const [from, to] of Object.entries(map.hostPorts))
        v = v.replace(new RegExp(`(?<=^|[/@,"])${from.replace(/[.]/g, '\\.')}(?=$|[/,"?])`, 'g'), to);
    out[name] = v;
  }
  return out;
}

/** argv for this machine's Node: it strips types itself from 22.18 on; older ones need tsx. */
export function nodeArgv(args: readonly string[]): [string, ...string[]] {
  const [bin, ...rest] = args;
  if (bin !== 'node') throw new Error(`expected a node command, got ${bin}`);
  const strips = (process.features as { typescript?: unknown }).typescript;
  return [process.execPath, ...(strips ? [] : ['--import', 'tsx']), ...rest];
}

export interface RunningService {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts one of our services as compose would (see the top of this file). */
export function runAsCompose(
  model: ComposeModel,
  stages: readonly Stage[],
  service: ServiceEnv,
  map: AddressMap,
): RunningService {
  const s = model.services[service.service];
  const image = imageOf(stages, service.target);
  const command = s?.command !== undefined ? commandArgs(s.command) : [...(image.cmd ?? [])];
  const env = mapEnvironment(service, map);
  const [bin, ...args] = nodeArgv(command);
  const child = spawn(bin, args, {
    cwd: image.workdir === '/app' ? REPO_ROOT : (image.workdir ?? REPO_ROOT),
    // PATH only so that Node can find nothing else of ours; the container has no more than this.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: service.service,
    env,
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The image's health check (compose's when it sets one), run once with the service's environment. */
export function runHealthCheck(
  model: ComposeModel,
  stages: readonly Stage[],
  service: RunningService & { readonly target?: string },
  target: string,
): Promise<{ ok: boolean; output: string }> {
  const test = model.services[service.name]?.healthcheck?.test ?? imageOf(stages, target).healthcheck;
  if (!test || test === 'NONE') return Promise.resolve({ ok: true, output: 'no health check' });
  const argv = typeof test === 'string' ? ['/bin/sh', '-c', test] : [...test];
  if (argv[0] === 'CMD') argv.shift();
  const [bin, ...args] = nodeArgv(argv);
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('exit', (code) => resolve({ ok: code === 0, output: out.trim() }));
  });
}
