// Writes a partition's changed rows to PostgreSQL: one transaction per flush, idempotent upserts
// (a replay writes the same values again), fenced by the partition's epoch. A processor that lost a
// partition (another claimed it in the HDFS commit log, with a higher epoch written to
// `partition_state`) has its transaction rolled back with FencedError, so it can never write over a
// newer owner's rows. After the commit, a NOTIFY tells listeners (the live view) what changed.
import { type Pool, type PoolClient, withTransaction } from '@clickstream/infra/postgres';
import { formatMicros, type SessionRow } from '@clickstream/schema';
import { FencedError } from './checkpoint.ts';
import type { StreamChanges } from './partition-stream.ts';
import { REALTIME_SCHEMA_VERSION, realtimeDdl, schemaIdent } from './realtime-schema.ts';

/** The channel of the NOTIFY after each write; payload: {"schema","topic","partition","sites"}. */
export const NOTIFY_CHANNEL = 'clickstream_realtime';

export interface PartitionFigures {
  readonly appliedOffset: bigint;
  readonly committedOffset: bigint | null;
  readonly watermark: number;
  readonly maxEventTime: number;
  readonly totals: { events: number; duplicates: number; late: number; bots: number };
  readonly dedupeIds: number;
  readonly dedupeBytes: number;
  readonly openSessions: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? iso(ms) : null);

/** `INSERT ... SELECT * FROM unnest(...)`: one statement for any number of rows. */
async function upsert(
  client: PoolClient,
  table: string,
  columns: ReadonlyArray<readonly [name: string, type: string]>,
  rows: ReadonlyArray<readonly unknown[]>,
  conflict: string,
): Promise<void> {
  if (rows.length === 0) return;
  const arrays = columns.map((_, i) => rows.map((r) => r[i]));
  const names = columns.map(([n]) => n).join(', ');
  const unnest = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  await client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${conflict}`, arrays);
}

const updateAll = (columns: ReadonlyArray<readonly [string, string]>, key: readonly string[]) =>
  columns
    .filter(([n]) => !key.includes(n))
    .map(([n]) => `${n} = excluded.${n}`)
    .join(', ');

export class PostgresSink {
  readonly #pool: Pool;
  readonly #s: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schemaIdent(schema);
  }

  /**
   * Creates the schema, tables and views unless this version made them already. The check is a
   * plain read, so a start never waits on the locks of running (or frozen) processors; the DDL
   * itself is serialised across processors by an advisory lock.
   */
  async migrate(): Promise<void> {
    const version = await this.#pool
      .query<{ version: number }>(`SELECT version FROM ${this.#s}.schema_version`)
      .then((r) => r.rows[0]?.version ?? null)
      .catch(() => null);
    if (version === REALTIME_SCHEMA_VERSION) return;
    await withTransaction(this.#pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`clickstream-migrate-${this.#s}`]);
      for (const sql of realtimeDdl(this.#s)) await c.query(sql);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#s}.schema_version (version integer NOT NULL)`);
      await c.query(`DELETE FROM ${this.#s}.schema_version`);
      await c.query(`INSERT INTO ${this.#s}.schema_version VALUES ($1)`, [REALTIME_SCHEMA_VERSION]);
    });
  }

  /**
   * Records this owner's epoch for the partition. Throws FencedError when a newer owner of the same
   * commit log is already recorded.
   */
  async claim(topic: string, partition: number, logDir: string, epoch: number, owner: string): Promise<void> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#s}.partition_state (topic, kafka_partition, log_dir, epoch, owner)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (topic, kafka_partition) DO UPDATE
         SET log_dir = excluded.log_dir, epoch = excluded.epoch, owner = excluded.owner, claimed_at = now()
         WHERE ${this.#s}.partition_state.epoch < excluded.epoch
            OR ${this.#s}.partition_state.log_dir <> excluded.log_dir`,
      [topic, partition, logDir, epoch, owner],
    );
    if (rowCount === 0) throw new FencedError(`p${partition}: a newer owner than epoch ${epoch} is recorded`);
  }

  /** Writes the changes in one transaction, only while `epoch` is still the partition's. */
  async write(
    topic: string,
    partition: number,
    epoch: number,
    changes: StreamChanges,
    figures: PartitionFigures,
    /** Forget visitors last seen before this (event time, so replays agree); null: keep all. */
    pruneVisitorsBefore: number | null = null,
  ): Promise<void> {
    const s = this.#s;
    await withTransaction(this.#pool, async (c) => {
      const owner = await c.query<{ epoch: string }>(
        `SELECT epoch FROM ${s}.partition_state WHERE topic = $1 AND kafka_partition = $2 FOR UPDATE`,
        [topic, partition],
      );
      if (Number(owner.rows[0]?.epoch) !== epoch) {
        throw new FencedError(
          `p${partition}: epoch ${epoch} is no longer the owner's (${owner.rows[0]?.epoch})`,
        );
      }
      await this.#writeRows(c, partition, changes);
      if (pruneVisitorsBefore !== null) {
        await c.query(`DELETE FROM ${s}.live_visitors WHERE kafka_partition = $1 AND last_seen < $2`, [
          partition,
          iso(pruneVisitorsBefore),
        ]);
      }
      await c.query(
        `UPDATE ${s}.partition_state SET applied_offset = $3, committed_offset = coalesce($4, committed_offset),
           watermark = $5, max_event_time = $6, events = $7, duplicates = $8, late_events = $9, bot_events = $10,
           dedupe_ids = $11, dedupe_bytes = $12, open_sessions = $13, updated_at = now()
         WHERE topic = $1 AND kafka_partition = $2`,
        [
          topic,
          partition,
          figures.appliedOffset.toString(),
          figures.committedOffset?.toString() ?? null,
          isoOrNull(figures.watermark),
          isoOrNull(figures.maxEventTime),
          figures.totals.events,
          figures.totals.duplicates,
          figures.totals.late,
          figures.totals.bots,
          figures.dedupeIds,
          figures.dedupeBytes,
          figures.openSessions,
        ],
      );
      const sites = [
        ...new Set([...changes.minutes.map((m) => m.site_id), ...changes.sessions.map((x) => x.site_id)]),
      ];
      if (sites.length > 0) {
        await c.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNEL,
          JSON.stringify({ schema: s, topic, partition, sites: sites.slice(0, 20) }),
        ]);
      }
    });
  }

  async #writeRows(c: PoolClient, partition: number, x: StreamChanges): Promise<void> {
    const s = this.#s;
    const minuteCols = [
      ['site_id', 'text'],
      ['minute', 'timestamptz'],
      ['kafka_partition', 'int4'],
      ['events', 'int4'],
      ['page_views', 'int4'],
      ['clicks', 'int4'],
      ['visitors', 'int4'],
      ['sessions_started', 'int4'],
      ['product_viewed', 'int4'],
      ['product_added', 'int4'],
      ['checkout_started', 'int4'],
      ['bot_events', 'int4'],
      ['final', 'bool'],
    ] as const;
    const minuteKey = ['site_id', 'minute', 'kafka_partition'];
    await upsert(
      c,
      `${s}.minute_metrics`,
      minuteCols,
      x.minutes.map((m) => [
        m.site_id,
        iso(m.minute),
        partition,
        m.events,
        m.page_views,
        m.clicks,
        m.visitors,
        m.sessions_started,
        m.product_viewed,
        m.product_added,
        m.checkout_started,
        m.bot_events,
        m.final,
      ]),
      `ON CONFLICT (${minuteKey.join(', ')}) DO UPDATE SET ${updateAll(minuteCols, minuteKey)}, updated_at = now()`,
    );
    await upsert(
      c,
      `${s}.page_minute`,
      [
        ['site_id', 'text'],
        ['minute', 'timestamptz'],
        ['kafka_partition', 'int4'],
        ['page_path', 'text'],
        ['page_views', 'int4'],
      ],
      x.pages.map((p) => [p.site_id, iso(p.minute), partition, p.page_path, p.page_views]),
      'ON CONFLICT (site_id, minute, kafka_partition, page_path) DO UPDATE SET page_views = excluded.page_views',
    );
    await upsert(
      c,
      `${s}.hourly_active_users`,
      [
        ['site_id', 'text'],
        ['hour', 'timestamptz'],
        ['kafka_partition', 'int4'],
        ['active_users', 'int4'],
        ['final', 'bool'],
      ],
      x.hours.map((h) => [h.site_id, iso(h.hour), partition, h.active_users, h.final]),
      `ON CONFLICT (site_id, hour, kafka_partition) DO UPDATE
         SET active_users = excluded.active_users, final = excluded.final, updated_at = now()`,
    );
    // The first report of an order wins across partitions (a browser and a shop backend may both
    // report it): a row is replaced only by an earlier (event time, receipt time, messageId).
    await upsert(
      c,
      `${s}.orders`,
      [
        ['site_id', 'text'],
        ['order_id', 'text'],
        ['event_time', 'timestamptz'],
        ['received_at', 'timestamptz'],
        ['message_id', 'text'],
        ['currency', 'text'],
        ['revenue', 'numeric'],
        ['visitor', 'text'],
        ['kafka_partition', 'int4'],
      ],
      x.orders.map((o) => [
        o.site_id,
        o.order_id,
        iso(o.event_time),
        iso(o.received_at),
        o.message_id,
        o.currency,
        o.revenue === null ? null : formatMicros(o.revenue),
        o.visitor,
        partition,
      ]),
      `ON CONFLICT (site_id, order_id) DO UPDATE SET event_time = excluded.event_time,
         received_at = excluded.received_at, message_id = excluded.message_id, currency = excluded.currency,
         revenue = excluded.revenue, visitor = excluded.visitor, kafka_partition = excluded.kafka_partition
       WHERE (excluded.event_time, excluded.received_at, excluded.message_id)
           < (${s}.orders.event_time, ${s}.orders.received_at, ${s}.orders.message_id)`,
    );
    await upsert(
      c,
      `${s}.live_visitors`,
      [
        ['site_id', 'text'],
        ['visitor', 'text'],
        ['last_seen', 'timestamptz'],
        ['kafka_partition', 'int4'],
      ],
      x.visitors.map((v) => [v.site_id, v.visitor, iso(v.last_seen), partition]),
      `ON CONFLICT (site_id, visitor) DO UPDATE SET last_seen = greatest(${s}.live_visitors.last_seen, excluded.last_seen),
         kafka_partition = excluded.kafka_partition`,
    );
    await this.#writeSessions(c, x.sessions);
    await upsert(
      c,
      `${s}.daily_counts`,
      [
        ['site_id', 'text'],
        ['day', 'date'],
        ['kafka_partition', 'int4'],
        ['late_events', 'int4'],
        ['duplicates', 'int4'],
        ['bot_events', 'int4'],
      ],
      x.daily.map((d) => [d.site_id, d.day, partition, d.late_events, d.duplicates, d.bot_events]),
      `ON CONFLICT (site_id, day, kafka_partition) DO UPDATE SET late_events = excluded.late_events,
         duplicates = excluded.duplicates, bot_events = excluded.bot_events, updated_at = now()`,
    );
  }

  async #writeSessions(c: PoolClient, sessions: readonly SessionRow[]): Promise<void> {
    const cols = [
      ['session_id', 'text'],
      ['site_id', 'text'],
      ['visitor', 'text'],
      ['session_start', 'timestamptz'],
      ['session_end', 'timestamptz'],
      ['duration_s', 'float8'],
      ['events', 'int4'],
      ['page_views', 'int4'],
      ['landing_page', 'text'],
      ['exit_page', 'text'],
      ['landing_referrer', 'text'],
      ['utm_source', 'text'],
      ['utm_medium', 'text'],
      ['utm_campaign', 'text'],
      ['device_type', 'text'],
      ['country', 'text'],
      ['is_bounce', 'bool'],
      ['funnel_step', 'int4'],
      ['orders', 'int4'],
      ['revenue', 'numeric'],
      ['currency', 'text'],
      ['sdk_session_id', 'text'],
      ['sdk_session_ids', 'int4'],
      ['kafka_partition', 'int4'],
    ] as const;
    await upsert(
      c,
      `${this.#s}.sessions`,
      cols,
      sessions.map((x) => [
        x.session_id,
        x.site_id,
        x.visitor,
        iso(x.session_start),
        iso(x.session_end),
        x.duration_s,
        x.events,
        x.page_views,
        x.landing_page,
        x.exit_page,
        x.landing_referrer,
        x.utm_source,
        x.utm_medium,
        x.utm_campaign,
        x.device_type,
        x.country,
        x.is_bounce,
        x.funnel_step,
        x.orders,
        x.revenue === null ? null : formatMicros(x.revenue),
        x.currency,
        x.sdk_session_id,
        x.sdk_session_ids,
        x.kafka_partition,
      ]),
      `ON CONFLICT (session_id) DO UPDATE SET ${updateAll(cols, ['session_id'])}`,
    );
  }
}
