// PostgreSQL on its own (postgresUp / postgresDown on a private instance): first start, who it runs
// as, durability across a restart, a fast `down` despite open connections, and the shared test
// instance that the global setup hands out.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { endpointsOf } from '../src/config.ts';
import { infraStatus, postgresDown, postgresUp } from '../src/infra.ts';
import { createPool, withTransaction } from '../src/postgres.ts';
import { postgresDirs } from '../src/postgres-server.ts';
import { privateInstance } from './global-setup.ts';

const config = await privateInstance(`test-postgres-${process.pid}`);
const dirs = postgresDirs(config.stateDir);
const status = () => infraStatus(config).find((s) => s.role === 'postgres');
const uidOf = (pid: number) =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe('PostgreSQL started by infra/', () => {
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    console.log(`[postgres] ${line}`);
  };
  afterAll(async () => {
    await postgresDown(config);
    rmSync(config.stateDir, { recursive: true, force: true });
  });

  it('first start: initdb, an unprivileged user, loopback, fsync on', { timeout: 120_000 }, async () => {
    await postgresUp(config, log);
    expect(lines.some((l) => l.startsWith('initialising the PostgreSQL data folder'))).toBe(true);
    const s = status();
    expect(s?.pid).toBeTypeOf('number');
    expect(s?.rssMiB).toBeGreaterThan(0);
    expect(s?.logFile).toBe(`${config.stateDir}/logs/postgres.log`);

    // Root runs it as POSTGRES_OS_USER (nobody), anyone else as themselves; it owns its folders.
    const uid = uidOf(s?.pid as number);
    if (process.getuid?.() === 0) expect(uid).not.toBe(0);
    else expect(uid).toBe(process.getuid?.());
    for (const dir of [dirs.data, dirs.socket]) {
      expect(statSync(dir).uid).toBe(uid);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }

    const pool = createPool(endpointsOf(config).postgresUrl, { applicationName: 'postgres.int.test' });
    const { rows } = await pool.query(
      `SELECT current_user AS "user", current_database() AS db, host(inet_server_addr()) AS addr,
              current_setting('fsync') AS fsync, current_setting('server_version_num')::int AS version`,
    );
    expect(rows).toEqual([
      { user: 'clickstream', db: 'clickstream', addr: '127.0.0.1', fsync: 'on', version: expect.any(Number) },
    ]);
    expect(rows[0].version).toBeGreaterThanOrEqual(180000);
    await pool.end();
  });

  it('down then up keeps committed rows; down does not wait for open connections', {
    timeout: 120_000,
  }, async () => {
    await postgresUp(config, log);
    const pool = createPool(endpointsOf(config).postgresUrl);
    await pool.query('CREATE TABLE kept (id int PRIMARY KEY, note text NOT NULL)');
    await withTransaction(pool, async (c) => {
      for (const id of [1, 2, 3]) await c.query('INSERT INTO kept VALUES ($1, $2)', [id, `row ${id}`]);
    });
    // A failing transaction leaves nothing behind.
    await expect(
      withTransaction(pool, async (c) => {
        await c.query(`INSERT INTO kept VALUES (4, 'rolled back')`);
        await c.query(`INSERT INTO kept VALUES (1, 'duplicate key')`);
      }),
    ).rejects.toThrow(/duplicate key/);
    // One connection inside an open transaction: a smart shutdown would wait for it forever.
    const open = await pool.connect();
    // Every error is heard (a FATAL message, then the broken socket); the first is kept.
    const openError = new Promise<Error>((resolve) => open.on('error', resolve));
    await open.query('BEGIN');
    await open.query(`INSERT INTO kept VALUES (5, 'never committed')`);

    const before = status()?.pid as number;
    const t0 = performance.now();
    expect(await postgresDown(config, log)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(status()?.pid).toBeNull();
    await vi.waitFor(() => expect(() => process.kill(before, 0)).toThrow(), { timeout: 5_000 });
    expect((await openError).message).toMatch(/terminat/);
    open.release(true);

    lines.length = 0;
    await postgresUp(config, log);
    expect(lines.some((l) => l.startsWith('initialising'))).toBe(false);
    const after = status()?.pid;
    expect(after).not.toBe(before);
    // The pool dropped its broken connections and opens new ones.
    expect((await pool.query('SELECT id, note FROM kept ORDER BY id')).rows).toEqual([
      { id: 1, note: 'row 1' },
      { id: 2, note: 'row 2' },
      { id: 3, note: 'row 3' },
    ]);

    // Up again: a no-op.
    await postgresUp(config, log);
    expect(status()?.pid).toBe(after);
    expect(lines.at(-1)).toBe('PostgreSQL already running');
    await pool.end();
  });

  it('the integration setup hands out its own instance', async () => {
    const { postgresUrl } = inject('infra');
    expect(postgresUrl).toMatch(/^postgres:\/\/clickstream:clickstream@127\.0\.0\.1:\d+\/clickstream$/);
    expect(postgresUrl).not.toBe(endpointsOf(config).postgresUrl);
    const pool = createPool(postgresUrl);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });
});
