// Checks that turn a missing or wrong prerequisite into one line that says what to do.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { InfraError } from './errors.ts';

/** Path of the `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
export function javaCommand(javaHome: string | undefined): string {
  return javaHome ? join(javaHome, 'bin', 'java') : 'java';
}

/** Fails unless Java 17 or newer runs; returns its major version. */
export function checkJava(javaHome: string | undefined): number {
  const java = javaCommand(javaHome);
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const where = javaHome ? `JAVA_HOME=${javaHome}` : 'PATH';
  if (r.error) {
    throw new InfraError(
      `Java 17 or newer is required but no \`java\` was found on ${where}; install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : Number.NaN;
  if (!(major >= 17)) {
    throw new InfraError(
      `Java 17 or newer is required but ${java} is version ${Number.isNaN(major) ? 'unknown' : major}; install a JDK 17+ or point JAVA_HOME at one`,
    );
  }
  return major;
}

/** Fails unless `mvn` runs. Only needed when jars must be fetched. */
export function checkMaven(): void {
  const r = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new InfraError(
      'Maven is needed once to fetch the Kafka and HDFS jars but `mvn` was not found on PATH; install it (Debian: apt-get install maven) and run again',
    );
  }
}

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails with the first taken port, naming the service and the variable that moves it. */
export async function checkPortsFree(ports: ReadonlyArray<{ port: number; what: string; variable: string }>) {
  for (const { port, what, variable } of ports) {
    if (!(await isPortFree(port))) {
      throw new InfraError(
        `port ${port} (${what}) on 127.0.0.1 is already in use by another process; stop that process or choose another port with ${variable}=<port>`,
      );
    }
  }
}

/** The lowest port of the OS's ephemeral range, where connect() and bind(0) take their ports. */
export function ephemeralLow(file = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const low = Number(readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768; // Linux's default
  }
}

/** Where `freePort` picks: above the well-known services' defaults, below the ephemeral range. */
const PICK_LOW = 10_000;
const handedOut = new Set<number>();

/**
 * A port that is free now, for tests and benches that start their own instances. It is picked
 * below the OS's ephemeral range: a port the OS picked (bind to port 0) lies in that range, where
 * any process's outgoing connection or bind(0) may take it in the seconds before our server binds
 * it (a DataNode binds its internal web server that way while Kafka starts). One process never
 * gets the same port twice.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high - PICK_LOW >= 1000) {
    for (let tries = 0; tries < 100; tries++) {
      const port = PICK_LOW + Math.floor(Math.random() * (high - PICK_LOW + 1));
      if (handedOut.has(port) || !(await isPortFree(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  return osPickedPort();
}

function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
