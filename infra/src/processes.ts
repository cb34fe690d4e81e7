// Starting and stopping the services' processes (the JVMs and PostgreSQL). Each process is started
// detached with its output in a log file and its pid in a pid file. A marker argument on its command
// line (`-Dclickstream.infra=<role>@<stateDir>` for a JVM, `-c clickstream.infra=<role>@<stateDir>`
// for PostgreSQL) lets `down` and `status` recognise it, so a recycled pid never makes us stop
// someone else's process.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './errors.ts';

export interface ManagedProcess {
  /** Short role name: `kafka`, `namenode`, `datanode`, `postgres`. */
  readonly role: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The command-line argument (matched exactly) that marks the process as ours. */
  readonly marker: string;
  /** Signals that ask for a clean shutdown, sent in turn (each given the grace period) before SIGKILL. */
  readonly stopSignals: readonly NodeJS.Signals[];
}

export interface ProcessKind {
  /** Put before `clickstream.infra=<role>@<stateDir>` to make the marker: `-D` for a JVM option. */
  readonly markerPrefix: string;
  readonly stopSignals: readonly NodeJS.Signals[];
}

/** A JVM: the marker is a system property, SIGTERM runs its shutdown hooks. */
export const JVM: ProcessKind = { markerPrefix: '-D', stopSignals: ['SIGTERM'] };

export function managedProcess(role: string, stateDir: string, kind: ProcessKind = JVM): ManagedProcess {
  return {
    role,
    pidFile: `${stateDir}/run/${role}.pid`,
    logFile: `${stateDir}/logs/${role}.log`,
    marker: `${kind.markerPrefix}clickstream.infra=${role}@${stateDir}`,
    stopSignals: kind.stopSignals,
  };
}

/** The process's arguments, or null when it does not exist ([] for a zombie). */
function argvOf(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
  } catch {
    return null;
  }
}

/**
 * Processes that other packages started in this instance with `managedProcess` (Superset, from
 * dashboards/): every pid file in `<stateDir>/run` whose role is not in `known` and whose running
 * process carries the instance's marker (with any prefix). `down` and `status` include them, so a
 * service added outside infra/ is stopped with the rest. Stopped with SIGTERM.
 */
export function addOnProcesses(stateDir: string, known: readonly string[]): ManagedProcess[] {
  let files: string[];
  try {
    files = readdirSync(`${stateDir}/run`);
  } catch {
    return [];
  }
  const found: ManagedProcess[] = [];
  for (const file of files) {
    const role = file.endsWith('.pid') ? file.slice(0, -'.pid'.length) : '';
    if (role === '' || known.includes(role)) continue;
    const p = managedProcess(role, stateDir, { markerPrefix: '', stopSignals: ['SIGTERM'] });
    const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
    const suffix = p.marker;
    const marker =
      Number.isInteger(pid) && pid > 0 ? argvOf(pid)?.find((arg) => arg.endsWith(suffix)) : undefined;
    // Exactly a prefix (`-D`, `-X`, ...) and the marker: never an argument that merely ends like it.
    if (marker !== undefined && /^(-[A-Za-z])?clickstream\.infra=/.test(marker)) found.push({ ...p, marker });
  }
  return found;
}

/** The pid of the running process, or null when it is not running (stale pid files are removed). */
export function runningPid(p: ManagedProcess): number | null {
  if (!existsSync(p.pidFile)) return null;
  const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
  const argv = Number.isInteger(pid) && pid > 0 ? argvOf(pid) : null;
  // Exact match: instance `.infra/a` must not claim the processes of `.infra/ab`.
  if (argv?.includes(p.marker)) return pid;
  rmSync(p.pidFile, { force: true });
  return null;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user and group (only root can); the log file is opened here and inherited. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts `command <args>` detached (its own session, so it outlives `infra up`), appending its
 * output to the log file. `args` must contain the marker. Returns the pid.
 */
export function startDetached(
  p: ManagedProcess,
  command: string,
  args: readonly string[],
  opts: StartOptions = {},
): number {
  if (!args.includes(p.marker)) throw new Error(`the ${p.role} command line lacks its marker ${p.marker}`);
  mkdirSync(dirname(p.pidFile), { recursive: true });
  mkdirSync(dirname(p.logFile), { recursive: true });
  const out = openSync(p.logFile, 'a');
  try {
    writeFileSync(out, `\n==== ${new Date().toISOString()} starting ${p.role} ====\n`);
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: opts.env ?? process.env,
      uid: opts.uid,
      gid: opts.gid,
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(p.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Starts `java <jvmArgs>` detached with the marker as its first option. Returns the pid. */
export function startJava(
  p: ManagedProcess,
  java: string,
  jvmArgs: string[],
  env?: NodeJS.ProcessEnv,
): number {
  return startDetached(p, java, [p.marker, ...jvmArgs], { env });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); its /proc entry has no cmdline.
    return (argvOf(pid) ?? []).length > 0;
  } catch {
    return false;
  }
}

/**
 * Asks for a clean shutdown with the process's stop signals in turn, each given `graceMs`, then
 * SIGKILL. Returns whether it was running.
 */
export async function stopProcess(p: ManagedProcess, graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(p);
  if (pid === null) return false;
  for (const signal of [...p.stopSignals, 'SIGKILL' as const]) {
    if (!alive(pid)) break;
    try {
      process.kill(pid, signal);
    } catch {
      break; // It exited between the check and the signal.
    }
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
  }
  // SIGKILL gives no grace: wait until it is gone, however long that takes.
  while (alive(pid)) await sleep(50);
  rmSync(p.pidFile, { force: true });
  return true;
}

/** The last lines of a log that look like the reason for a failure, for one-line error messages. */
export function lastErrorLine(logFile: string): string | null {
  if (!existsSync(logFile)) return null;
  const lines = readFileSync(logFile, 'utf8').split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 400; i--) {
    const line = lines[i]?.trim() ?? '';
    if (/\b(ERROR|FATAL)\b|Exception:|Error:/.test(line)) return line.slice(0, 300);
  }
  return null;
}

/** Resident memory of a process in MiB, or null when it is not running. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The pids of a process's children (and theirs), from the parent field of /proc/<pid>/stat. */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so split after the last `)`.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(ppid, [...(parentOf.get(ppid) ?? []), Number(entry)]);
    } catch {
      // It exited while we looked.
    }
  }
  const out: number[] = [];
  for (let todo = [pid]; todo.length > 0; ) {
    const children = todo.flatMap((p) => parentOf.get(p) ?? []);
    out.push(...children);
    todo = children;
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null when gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15, in 1/100 s ticks
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** ... of a process and its children (PostgreSQL's workers); null when it is not running. */
export function treeCpuSeconds(pid: number): number | null {
  const own = cpuSeconds(pid);
  if (own === null) return null;
  return descendantsOf(pid).reduce((n, p) => n + (cpuSeconds(p) ?? 0), own);
}

/**
 * What a process and its children cost in memory, in MiB: the sum of their proportional set sizes
 * (PSS), which counts shared memory once. For PostgreSQL the postmaster's RSS alone says little:
 * its shared buffers are touched by the workers. Null when the process is not running.
 */
export function treeMemoryMiB(pid: number): number | null {
  let kB = 0;
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kB += Number(m?.[1] ?? 0);
    } catch {
      if (p === pid) return null;
    }
  }
  return Math.round(kB / 1024);
}

/**
 * Polls `ready` until it returns true. Fails at once if one of `processes` exits meanwhile, with
 * the last error line of its log, and after `timeoutMs` with the log to look at.
 */
export async function waitUntilReady(
  what: string,
  processes: readonly ManagedProcess[],
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of processes) {
      if (runningPid(p) === null) {
        const why = lastErrorLine(p.logFile);
        throw new InfraError(
          `${p.role} exited while starting${why ? `: ${why}` : ''}; see ${p.logFile} for the full log`,
        );
      }
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      throw new InfraError(
        `${what} was not ready after ${Math.round(timeoutMs / 1000)} s; see ${processes.map((p) => p.logFile).join(' and ')} (raise INFRA_READY_TIMEOUT_MS on a slow machine)`,
      );
    }
    await sleep(250);
  }
}

/** Replaces `{{NAME}}` placeholders; fails on any placeholder left unfilled. */
export function renderTemplate(template: string, vars: Readonly<Record<string, string | number>>): string {
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (m, name: string) =>
    name in vars ? String(vars[name]) : m,
  );
  const left = /\{\{([A-Z_]+)\}\}/.exec(out);
  if (left) throw new Error(`template placeholder ${left[0]} has no value`);
  return out;
}
