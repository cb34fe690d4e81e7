// The daily batch as a long-running service (compose's `batch`): at BATCH_SCHEDULE_AT every day
// (and once at start) it runs `cli.ts --from <day> --to <day>` over the last BATCH_SCHEDULE_DAYS
// finished UTC days (schedule-plan.ts says why more than one), as a child process with this
// process's environment, so each run is exactly `npm run batch` and frees its memory when done. A
// failed run is tried again BATCH_RETRY_MINUTES later; the outcome of the last run goes to
// BATCH_STATUS_FILE for the container's health check. SIGTERM stops a run in progress (a day is
// replaced atomically, so a stopped run leaves the previous version) and exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readScheduleConfig, ScheduleConfigError } from './schedule-config.ts';
import { daysToRun, nextRunAt } from './schedule-plan.ts';

const log = (line: string) => console.log(`batch-schedule: ${line}`);
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

export interface RunStatus {
  readonly ok: boolean;
  readonly from: string;
  readonly to: string;
  readonly finishedAt: string;
  readonly message: string;
}

async function main() {
  const config = readScheduleConfig();
  let child: ChildProcess | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const runBatch = (from: string, to: string) =>
    new Promise<number | null>((resolve) => {
      // The same Node with the same loader flags (tsx in development; none in the images).
      child = spawn(process.execPath, [...process.execArgv, CLI, '--from', from, '--to', to], {
        stdio: 'inherit',
      });
      child.once('error', () => resolve(null));
      child.once('exit', (code) => resolve(code));
    });

  const writeStatus = (status: RunStatus) => {
    if (!config.statusFile) return;
    try {
      writeFileSync(config.statusFile, `${JSON.stringify(status)}\n`);
    } catch (err) {
      log(`cannot write ${config.statusFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const schedule = (at: Date) => {
    if (stopping) return;
    log(`next run ${at.toISOString()}`);
    timer = setTimeout(() => void run(), Math.max(0, at.getTime() - Date.now()));
  };

  const run = async () => {
    const { from, to } = daysToRun(new Date(), config.days);
    log(`running the batch for ${from} .. ${to}`);
    const t0 = performance.now();
    const code = await runBatch(from, to);
    child = undefined;
    if (stopping) return;
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const ok = code === 0;
    const message = ok ? `done in ${seconds} s` : `failed (exit code ${code}) after ${seconds} s`;
    log(`${from} .. ${to}: ${message}`);
    writeStatus({ ok, from, to, finishedAt: new Date().toISOString(), message });
    const next = nextRunAt(new Date(), config.at);
    const retry = new Date(Date.now() + config.retryMinutes * 60_000);
    schedule(!ok && config.retryMinutes > 0 && retry < next ? retry : next);
  };

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    if (timer) clearTimeout(timer);
    if (child) {
      child.once('exit', () => process.exit(0));
      child.kill('SIGTERM');
    } else process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  log(
    `every day at ${String(config.at.hour).padStart(2, '0')}:${String(config.at.minute).padStart(2, '0')} UTC, the last ${config.days} finished day(s)`,
  );
  if (config.runOnStart) await run();
  else schedule(nextRunAt(new Date(), config.at));
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`batch-schedule: ${err instanceof ScheduleConfigError ? '' : 'failed: '}${message}`);
  process.exit(1);
});
