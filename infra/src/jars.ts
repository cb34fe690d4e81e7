// Fetches the jars of Kafka, HDFS and Spark from Maven Central (or a mirror) on first use. The POMs
// in infra/kafka, infra/hadoop and infra/spark list the artifacts; `dependency:copy-dependencies` copies them and
// their runtime dependencies into <jarsDir>/<component>. A stamp file holding the POM's hash marks
// a complete copy, so an interrupted download is redone and a changed POM is picked up.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './config.ts';
import { InfraError } from './errors.ts';
import { checkMaven } from './prereqs.ts';

export type Component = 'kafka' | 'hadoop' | 'spark';

/** Every component, in the order `infra:fetch` fetches them. */
export const COMPONENTS: readonly Component[] = ['kafka', 'hadoop', 'spark'];

const LABEL: Record<Component, string> = {
  kafka: 'Kafka',
  hadoop: 'HDFS (Hadoop)',
  spark: "Spark SQL (for the batch's --engine spark)",
};

export interface JarOptions {
  readonly jarsDir: string;
  readonly mavenRepo: string | undefined;
  readonly mavenLocalRepo: string | undefined;
  readonly log: (line: string) => void;
}

function pomOf(component: Component): string {
  return join(REPO_ROOT, 'infra', component, 'pom.xml');
}

/** Returns the folder holding the component's jars, fetching them first if needed. */
export function ensureJars(component: Component, opts: JarOptions): string {
  const dir = join(opts.jarsDir, component);
  const pom = pomOf(component);
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const stamp = join(dir, '.complete');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return dir;

  checkMaven();
  opts.log(`fetching ${LABEL[component]} jars with Maven into ${dir} (first run only)...`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFile = join(opts.jarsDir, `maven-${component}.log`);
  const args = [
    '-B',
    '-Dstyle.color=never',
    '-f',
    pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    '-Dmdep.prependGroupId=true',
    `-DoutputDirectory=${dir}`,
  ];
  if (opts.mavenLocalRepo) args.push(`-Dmaven.repo.local=${opts.mavenLocalRepo}`);
  if (opts.mavenRepo) {
    const settings = join(opts.jarsDir, 'maven-mirror-settings.xml');
    writeFileSync(
      settings,
      `<settings><mirrors><mirror><id>infra-mirror</id><mirrorOf>*</mirrorOf><url>${opts.mavenRepo}</url></mirror></mirrors></settings>\n`,
    );
    args.push('-s', settings);
  }
  const r = spawnSync('mvn', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const firstError = (r.stdout ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('[ERROR]'));
    const reason = firstError
      ? firstError.replace(/^\[ERROR\]\s*/, '').slice(0, 240)
      : `exit code ${r.status}`;
    const source = opts.mavenRepo ? `the mirror ${opts.mavenRepo}` : 'Maven Central';
    throw new InfraError(
      `Maven could not fetch the ${LABEL[component]} jars from ${source} (${reason}); check the network or proxy, or set INFRA_MAVEN_REPO to a reachable mirror; full output: ${logFile}`,
    );
  }
  writeFileSync(stamp, `${hash}\n`);
  return dir;
}
