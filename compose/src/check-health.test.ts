import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth, HEARTBEAT_MAX_AGE_MS } from './check-health.ts';

describe('checkHealth', () => {
  let server: Server;
  let port: number;
  let status = 200;
  const paths: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'health-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks the collector for /ready and the shop for its home page, on the ports their configs name', async () => {
    status = 200;
    expect(await checkHealth('collector', { COLLECTOR_PORT: String(port) })).toBeNull();
    expect(await checkHealth('shop', { SHOP_PORT: String(port) })).toBeNull();
    expect(paths.slice(-2)).toEqual(['/ready', '/']);
    status = 503;
    expect(await checkHealth('collector', { COLLECTOR_PORT: String(port) })).toBe(
      `http://127.0.0.1:${port}/ready answered 503`,
    );
  });

  it('says when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkHealth('shop', { SHOP_PORT: String(free) })).toMatch(`http://127.0.0.1:${free}/: `);
  });

  it("judges the processor by its heartbeat file's age", async () => {
    const file = join(dir, 'heartbeat');
    const env = { PROCESSOR_HEARTBEAT_FILE: file };
    expect(await checkHealth('processor', env)).toBe(`no heartbeat yet (${file})`);
    writeFileSync(file, 'x');
    const now = Date.now();
    expect(await checkHealth('processor', env, now)).toBeNull();
    const old = (now - HEARTBEAT_MAX_AGE_MS - 5_000) / 1000;
    utimesSync(file, old, old);
    expect(await checkHealth('processor', env, now)).toBe("the processor's loop has not turned for 125 s");
    expect(await checkHealth('processor', {})).toMatch(/PROCESSOR_HEARTBEAT_FILE is not set/);
  });

  it("judges the batch scheduler by its last run's outcome", async () => {
    const file = join(dir, 'batch-status.json');
    const env = { BATCH_STATUS_FILE: file };
    expect(await checkHealth('batch', env)).toBeNull(); // no run finished yet
    writeFileSync(
      file,
      JSON.stringify({
        ok: false,
        from: '2026-11-28',
        to: '2026-11-29',
        message: 'failed (exit code 1) after 2.0 s',
      }),
    );
    expect(await checkHealth('batch', env)).toBe(
      'the batch for 2026-11-28 .. 2026-11-29 failed (exit code 1) after 2.0 s',
    );
    writeFileSync(
      file,
      JSON.stringify({ ok: true, from: '2026-11-28', to: '2026-11-29', message: 'done in 3.1 s' }),
    );
    expect(await checkHealth('batch', env)).toBeNull();
  });

  it('names the services it knows', async () => {
    expect(await checkHealth('kafka')).toBe(
      "unknown service 'kafka'; use collector, processor, shop, live or batch",
    );
  });
});
