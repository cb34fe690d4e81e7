// The health checks of our images, run by healthcheck.ts. Each check reads the service's own
// config.ts, so it probes the port or file the service really uses.
import { readFileSync, statSync } from 'node:fs';
import { readScheduleConfig } from '@clickstream/batch/schedule-config';
import { readCollectorConfig } from '@clickstream/collector/config';
import { readShopConfig } from '@clickstream/demo-shop/config';
import { readLiveConfig } from '@clickstream/live/config';
import { readProcessorConfig } from '@clickstream/processor/config';

/** The processor's heartbeat may be this old: a lake commit on a slow HDFS can hold its loop. */
export const HEARTBEAT_MAX_AGE_MS = 120_000;

async function httpOk(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4_000) });
    await res.body?.cancel();
    return res.ok ? null : `${url} answered ${res.status}`;
  } catch (err) {
    return `${url}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function heartbeat(file: string | undefined, now: number): string | null {
  if (!file) return 'PROCESSOR_HEARTBEAT_FILE is not set, so the processor leaves no heartbeat';
  let age: number;
  try {
    age = now - statSync(file).mtimeMs;
  } catch {
    return `no heartbeat yet (${file})`;
  }
  return age <= HEARTBEAT_MAX_AGE_MS
    ? null
    : `the processor's loop has not turned for ${Math.round(age / 1000)} s`;
}

/** The batch scheduler is unhealthy while its last run failed (it retries; the file says why). */
function lastRun(file: string | undefined): string | null {
  if (!file) return null;
  let status: { ok?: boolean; from?: string; to?: string; message?: string };
  try {
    status = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null; // no run has finished yet
  }
  return status.ok === false ? `the batch for ${status.from} .. ${status.to} ${status.message}` : null;
}

/** Why `service` is unhealthy, or null when it is healthy. */
export async function checkHealth(
  service: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  now = Date.now(),
): Promise<string | null> {
  switch (service) {
    case 'collector':
      return httpOk(`http://127.0.0.1:${readCollectorConfig(env).port}/ready`);
    case 'processor':
      return heartbeat(readProcessorConfig(env).heartbeatFile, now);
    case 'shop':
      return httpOk(`http://127.0.0.1:${readShopConfig(env).port}/`);
    case 'live':
      return httpOk(`http://127.0.0.1:${readLiveConfig(env).port}/health`);
    case 'batch':
      return lastRun(readScheduleConfig(env).statusFile);
    default:
      return `unknown service '${service}'; use collector, processor, shop, live or batch`;
  }
}
