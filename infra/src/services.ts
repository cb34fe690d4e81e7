// Runs one of the project's TypeScript services (collector, processor, shop) as a child process,
// as the demo and the end-to-end tests do: `node --import tsx <entry>`, output captured and
// optionally echoed with a name prefix.
import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './config.ts';
import { InfraError } from './errors.ts';

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the service printed so far. */
  output(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM (graceful: drain and flush), then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to flush or commit. */
  kill(): Promise<void>;
}

export function spawnService(
  name: string,
  entry: string,
  env: Readonly<Record<string, string>>,
  opts: { echo?: boolean; nodeArgs?: readonly string[] } = {},
): Service {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out += text;
    if (opts.echo) {
      for (const line of text.split('\n'))
        if (line.trim() !== '') process.stdout.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    name,
    child,
    output: () => out,
    exited,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/**
 * Polls `url` until its status passes `accept` (default: 2xx); fails at once if the service exits,
 * or after `timeoutMs`.
 */
export async function waitForHttpOk(
  service: Service,
  url: string,
  timeoutMs = 60_000,
  accept: (status: number) => boolean = (status) => status >= 200 && status < 300,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new InfraError(`the ${service.name} exited during start-up:\n${service.output().trim()}`);
    }
    try {
      if (accept((await fetch(url)).status)) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfraError(`the ${service.name} was not ready within ${timeoutMs / 1000} s: ${url}`);
}
