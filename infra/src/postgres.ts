// The PostgreSQL module for all services (node-postgres): a pool and a transaction helper. Values
// come back as node-postgres gives them: `numeric` and `bigint` as strings (exact), timestamps as Date.
// A connection checked out with `pool.connect()` outside `withTransaction` needs its own `error`
// listener while it is out (see withTransaction).
import { Client, Pool, type PoolClient } from 'pg';

export type { Client, Notification, Pool, PoolClient } from 'pg';

export interface PoolOptions {
  /** Shown in `pg_stat_activity.application_name`, so a connection names its service. */
  readonly applicationName?: string;
  /** Connections at most (node-postgres's default is 10). */
  readonly max?: number;
  /**
   * Called when an idle connection breaks (the server restarted or stopped). The pool drops that
   * connection and the next query opens a new one, so nothing is lost; without a listener Node
   * would end the process on the pool's `error` event.
   */
  readonly onIdleError?: (err: Error) => void;
}

const SETTINGS = {
  connectionTimeoutMillis: 10_000,
  // Nothing waits forever: a lock held by a frozen process, a statement that cannot finish.
  lock_timeout: 30_000,
  statement_timeout: 120_000,
  idle_in_transaction_session_timeout: 60_000,
} as const;

export function createPool(url: string, opts: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: url,
    application_name: opts.applicationName,
    max: opts.max,
    ...SETTINGS,
  });
  pool.on('error', opts.onIdleError ?? (() => {}));
  return pool;
}

/**
 * Runs `fn` inside BEGIN ... COMMIT on one connection; ROLLBACK when it throws (the error is
 * rethrown). A connection that broke meanwhile (the server stopped) is discarded, not returned to
 * the pool. Its `error` event is caught here: node-postgres emits it on a checked-out connection
 * that breaks, besides rejecting the query, and an unheard `error` event ends the process.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken ??= rollbackErr;
    });
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * One connection of its own, not connected yet, with the pool's timeouts: for what a pool cannot
 * do, such as LISTEN (notifications arrive on the connection that listens, which must stay open).
 * TCP keep-alive makes a vanished server show up as an `error` event; the caller must listen for
 * `error` (unheard, it ends the process) and reconnect with a new client after `end`.
 */
export function createClient(url: string, opts: { applicationName?: string } = {}): Client {
  return new Client({
    connectionString: url,
    application_name: opts.applicationName,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...SETTINGS,
  });
}
