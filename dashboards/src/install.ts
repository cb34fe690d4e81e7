// Installs Apache Superset from PyPI into a virtual environment on first use: the exact versions
// of dashboards/superset/requirements.txt. A stamp file holding the hash of that list and of the
// Python version marks a complete install, so an interrupted install is redone and a changed list
// is picked up (as infra/src/jars.ts does for the jars).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from '@clickstream/infra';
import type { DashboardsConfig } from './config.ts';

export const REQUIREMENTS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'superset',
  'requirements.txt',
);
export const SUPERSET_VERSION = /^apache[-_]superset==(\S+)$/im.exec(readFileSync(REQUIREMENTS, 'utf8'))![1]!;

type Log = (line: string) => void;

/** The `major.minor.patch` of a Python that can make virtual environments; fails in one line otherwise. */
export function checkPython(python: string): string {
  const r = spawnSync(
    python,
    ['-c', 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])'],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) {
    throw new InfraError(
      `Superset needs Python 3.10 to 3.12 but \`${python}\` was not found; install it (Debian 12: apt-get install python3 python3-venv) or set SUPERSET_PYTHON`,
    );
  }
  if (r.status !== 0) {
    const missing = /No module named '?(\w+)/.exec(r.stderr)?.[1];
    throw new InfraError(
      missing === 'ensurepip' || missing === 'venv'
        ? `${python} cannot create virtual environments (no ${missing} module); install it (Debian 12: apt-get install python3-venv)`
        : `${python} failed to run: ${r.stderr.trim().split('\n').pop()}`,
    );
  }
  const version = r.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major !== 3 || minor! < 10 || minor! > 12) {
    throw new InfraError(
      `Superset ${SUPERSET_VERSION} needs Python 3.10 to 3.12 but ${python} is ${version}; set SUPERSET_PYTHON to such a Python (e.g. python3.11)`,
    );
  }
  return version;
}

/** Runs a command, its output appended to `logFile`; `onLine` sees each output line. */
function run(command: string, args: string[], logFile: string, onLine: (line: string) => void = () => {}) {
  return new Promise<void>((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => log.end(() => reject(err)));
    child.on('close', (code) => {
      log.end(() => {
        if (code === 0) resolve();
        else {
          const lines = readFileSync(logFile, 'utf8').trim().split('\n');
          const why = lines.findLast((l) => /ERROR|Error|error:/.test(l)) ?? lines.pop() ?? '';
          reject(
            new InfraError(
              `${command} ${args[0]} ${args[1] ?? ''} failed: ${why.trim().slice(0, 300)}; full output: ${logFile}`,
            ),
          );
        }
      });
    });
  });
}

/** Returns the virtual environment's `bin` folder, installing Superset first if needed. */
export async function ensureSuperset(config: DashboardsConfig, log: Log): Promise<string> {
  const bin = join(config.venvDir, 'bin');
  const stamp = join(config.venvDir, '.complete');
  const requirements = readFileSync(REQUIREMENTS);
  const pythonVersion = checkPython(config.python);
  const hash = createHash('sha256').update(requirements).update(`python ${pythonVersion}`).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return bin;

  const logFile = join(dirname(config.venvDir), 'install.log');
  const packages = requirements
    .toString('utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z0-9]/.test(l)).length;
  const t0 = performance.now();
  const seconds = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  mkdirSync(dirname(config.venvDir), { recursive: true });
  writeFileSync(logFile, `install of Superset ${SUPERSET_VERSION} with Python ${pythonVersion}\n`);
  // A virtual environment of the same Python is kept when only the list changed: pip then
  // changes just the packages that differ (seconds instead of minutes).
  const versionFile = join(config.venvDir, '.python-version');
  const reuse =
    existsSync(join(bin, 'python')) &&
    existsSync(versionFile) &&
    readFileSync(versionFile, 'utf8').trim() === pythonVersion;
  if (reuse) {
    log(
      `updating Superset's Python packages in ${config.venvDir} to dashboards/superset/requirements.txt; log: ${logFile}`,
    );
  } else {
    log(
      `installing Apache Superset ${SUPERSET_VERSION} (${packages} Python packages, ~800 MB) into ${config.venvDir}; first run only, 1-3 min; log: ${logFile}`,
    );
    rmSync(config.venvDir, { recursive: true, force: true });
    await run(config.python, ['-m', 'venv', config.venvDir], logFile);
    writeFileSync(versionFile, `${pythonVersion}\n`);
    log(`created the virtual environment (Python ${pythonVersion})`);
  }

  let collected = 0;
  let nextReport = 25;
  await run(
    join(bin, 'python'),
    [
      '-m',
      'pip',
      'install',
      '--no-input',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '--requirement',
      REQUIREMENTS,
    ],
    logFile,
    (line) => {
      if (line.startsWith('Collecting ')) {
        collected++;
        if (collected >= nextReport) {
          log(`collected ${collected} of about ${packages} packages (${seconds()})`);
          nextReport += 25;
        }
      } else if (line.startsWith('Installing collected packages')) {
        log(`collected all packages; installing them (${seconds()})`);
      }
    },
  );
  writeFileSync(stamp, `${hash}\n`);
  log(`installed Superset ${SUPERSET_VERSION} in ${seconds()}`);
  return bin;
}
