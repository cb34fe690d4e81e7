// Prepares an instance's metadata database the way Superset's own container does: `superset db
// upgrade` (create or migrate the tables), `superset fab create-admin`, `superset init` (roles and
// permissions). Done once per instance: a stamp records the Superset version and the admin user,
// so a new version migrates again and a changed admin password is set. The first instance's fresh
// metadata database is kept beside the virtual environment, and a new instance (every test run
// wipes its own) starts from a copy: the steps take 45-160 s, the copy milliseconds. It holds
// nothing encrypted with the instance's secret key (that is only the saved database password,
// added later by the import).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError } from '@clickstream/infra';
import type { DashboardsConfig } from './config.ts';
import { type SupersetFiles, supersetEnv } from './configure.ts';
import { SUPERSET_VERSION } from './install.ts';

type Log = (line: string) => void;

function superset(bin: string, args: string[], files: SupersetFiles, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    appendFileSync(logFile, `\n==== ${new Date().toISOString()} superset ${args[0]} ${args[1] ?? ''} ====\n`);
    const child = spawn(join(bin, 'superset'), args, {
      env: supersetEnv(files),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      appendFileSync(logFile, chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      const why =
        out
          .trim()
          .split('\n')
          .findLast((l) => /Error|error|Exception/.test(l)) ?? `exit code ${code}`;
      reject(
        new InfraError(
          `superset ${args.join(' ').split(' --password')[0]} failed: ${why.trim().slice(0, 300)}; see ${logFile}`,
        ),
      );
    });
  });
}

/** Runs the set-up steps that this instance has not done yet; returns whether anything ran. */
export async function initialiseSuperset(
  config: DashboardsConfig,
  bin: string,
  files: SupersetFiles,
  log: Log,
): Promise<boolean> {
  const stamp = join(config.stateDir, '.initialised');
  const admin = createHash('sha256').update(`${config.adminUser}\n${config.adminPassword}`).digest('hex');
  const want = `${SUPERSET_VERSION} ${admin}`;
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (have === want) return false;
  const template = join(
    config.venvDir,
    `metadata-${createHash('sha256').update(want).digest('hex').slice(0, 16)}.db`,
  );
  if (have === '' && !existsSync(files.metadataDb) && existsSync(template)) {
    copyFileSync(template, files.metadataDb);
    writeFileSync(stamp, `${want}\n`);
    log(`Superset's metadata database is ready (a copy of the prepared one in ${config.venvDir})`);
    return true;
  }
  const fresh = !existsSync(files.metadataDb);

  const logFile = join(config.infraDir, 'logs', 'superset-setup.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const t0 = performance.now();
  const seconds = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  if (!have.startsWith(`${SUPERSET_VERSION} `)) {
    log(`creating Superset's metadata database ${files.metadataDb} (superset db upgrade, first start only)`);
    await superset(bin, ['db', 'upgrade'], files, logFile);
  }
  log(`setting the admin user '${config.adminUser}' (${seconds()})`);
  const created = await superset(
    bin,
    [
      'fab',
      'create-admin',
      '--username',
      config.adminUser,
      '--firstname',
      'Clickstream',
      '--lastname',
      'Admin',
      '--email',
      `${config.adminUser}@localhost`,
      '--password',
      config.adminPassword,
    ],
    files,
    logFile,
  );
  if (/already exist/i.test(created)) {
    await superset(
      bin,
      ['fab', 'reset-password', '--username', config.adminUser, '--password', config.adminPassword],
      files,
      logFile,
    );
  }
  log(`creating roles and permissions (superset init, ${seconds()})`);
  await superset(bin, ['init'], files, logFile);
  if (fresh && !existsSync(template)) {
    copyFileSync(files.metadataDb, `${template}.tmp`);
    renameSync(`${template}.tmp`, template);
  }
  writeFileSync(stamp, `${want}\n`);
  log(`Superset's metadata database is ready (${seconds()})`);
  return true;
}
