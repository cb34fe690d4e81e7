// Runs the daily batch for backfilled days through its command line (`npm run batch -- --date D`),
// one day after the other, with its output shown. The command line is the batch's stable surface:
// batch/ is being reworked (daily marts in PostgreSQL, --from/--to), and --date works in both; once
// --from/--to is on main, one call can do all days.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';

export async function runDailyBatch(
  days: readonly string[],
  env: Readonly<Record<string, string>>,
  log: (line: string) => void,
): Promise<void> {
  for (const day of days) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'batch', 'src', 'cli.ts'), '--date', day],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const echo = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the daily batch for ${day} failed (exit code ${code})`);
  }
}
