// The real-time stages of one Kafka partition, in order, for each message (offset order):
//
//   dedupe   -> a messageId seen within the duplicate window is dropped (counted: duplicates)
//   lake     -> every other event goes to the lake, bots and late events included
//   late     -> event time behind the watermark: counted (late_events), in no metric
//   bots     -> counted (bot_events), in no metric
//   metrics  -> minute windows, hourly active users, sessions, orders, last-seen visitors
//
// The watermark is the latest event time seen in the partition before the event, minus the allowed
// lateness; it closes windows and sessions (`advance`). Everything here is a function of the
// partition's events in offset order (no wall clock), so a replay from a checkpoint reaches the same
// state and the same rows. State is snapshotted with the lake files (checkpoint.ts).
import { type LakeRow, type SessionRow, toMicros } from '@clickstream/schema';
import { DedupeFilter, type StatePart } from './dedupe.ts';
import { HourlyUsers, type HourRow } from './hourly-users.ts';
import { type MinuteRow, MinuteWindows, type PageMinuteRow } from './minute-windows.ts';
import { Sessionizer, type SessionsSnapshot, sessionEventOf } from './sessionize.ts';

export interface StreamSettings {
  /** How far behind the latest event time an event may be and still count (default 10 min). */
  readonly allowedLatenessMs: number;
  /** How long a messageId is remembered (at least 24 h). */
  readonly dedupeWindowMs: number;
}

/** A row of `realtime.orders`: the first report of an order seen in this partition. */
export interface OrderRow {
  readonly site_id: string;
  readonly order_id: string;
  readonly event_time: number;
  readonly received_at: number;
  readonly message_id: string;
  readonly currency: string | null;
  /** Millionths, or null when the report had no usable revenue. */
  readonly revenue: bigint | null;
  readonly visitor: string;
}

/** A row of `realtime.daily_counts`: what the partition left out of the metrics, per UTC day. */
export interface DailyCountRow {
  readonly site_id: string;
  /** YYYY-MM-DD of the event time. */
  readonly day: string;
  readonly late_events: number;
  readonly duplicates: number;
  readonly bot_events: number;
}

export interface PartitionTotals {
  events: number;
  duplicates: number;
  late: number;
  bots: number;
}

/** Rows changed since the last `takeChanges`, for the sink. */
export interface StreamChanges {
  readonly minutes: MinuteRow[];
  readonly pages: PageMinuteRow[];
  readonly hours: HourRow[];
  readonly sessions: SessionRow[];
  readonly orders: OrderRow[];
  readonly visitors: Array<{ site_id: string; visitor: string; last_seen: number }>;
  readonly daily: DailyCountRow[];
}

/** A checkpoint of the stream: `main` always, and the parts (the filter's hours) it changed. */
export interface StateSnapshot {
  readonly main: Uint8Array;
  readonly parts: readonly StatePart[];
}

export type Outcome = 'duplicate' | 'late' | 'bot' | 'counted';

const DAY_MS = 86_400_000;
/** Days of daily counts kept in state behind the watermark (older rows stay as last written). */
const DAILY_KEEP_DAYS = 40;

const visitorOf = (row: LakeRow) => row.anonymous_id ?? `user:${row.user_id}`;
const dayOf = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

export class PartitionStream {
  readonly partition: number;
  readonly settings: StreamSettings;
  /** The last offset applied, -1 before the first. */
  offset = -1n;
  #maxEventTime = Number.NEGATIVE_INFINITY;
  /** A watermark raised from outside (an idle partition); never lowered. */
  #floor = Number.NEGATIVE_INFINITY;
  #dedupe: DedupeFilter;
  #minutes: MinuteWindows;
  #hours: HourlyUsers;
  #sessions: Sessionizer;
  #closedSessions: SessionRow[] = [];
  #orders = new Map<string, OrderRow>();
  #visitors = new Map<string, { site_id: string; visitor: string; last_seen: number }>();
  #daily = new Map<string, DailyCountRow & { dirty?: boolean }>();
  readonly totals: PartitionTotals = { events: 0, duplicates: 0, late: 0, bots: 0 };

  constructor(partition: number, settings: StreamSettings) {
    this.partition = partition;
    this.settings = settings;
    this.#dedupe = new DedupeFilter(settings.dedupeWindowMs);
    this.#minutes = new MinuteWindows();
    this.#hours = new HourlyUsers();
    this.#sessions = this.#newSessionizer();
  }

  #newSessionizer(json?: SessionsSnapshot): Sessionizer {
    const onStarts = (site: string, start: number, delta: number) =>
      this.#minutes.adjustSessionsStarted(site, start, delta);
    return json
      ? Sessionizer.restore(this.partition, onStarts, json, this.settings.allowedLatenessMs)
      : new Sessionizer(this.partition, onStarts, this.settings.allowedLatenessMs);
  }

  /** Event time below which an event is late. */
  get watermark(): number {
    return Math.max(this.#maxEventTime - this.settings.allowedLatenessMs, this.#floor);
  }

  get maxEventTime(): number {
    return this.#maxEventTime;
  }

  /**
   * Applies one message's row. Returns what happened to it; only a `duplicate` stays out of the
   * lake. Offsets at or below `offset` must not be applied again (the caller skips them).
   */
  apply(offset: bigint, row: LakeRow): Outcome {
    this.offset = offset;
    this.totals.events++;
    if (this.#dedupe.isDuplicate(row.message_id, row.received_at)) {
      this.totals.duplicates++;
      this.#count(row, 'duplicates');
      return 'duplicate';
    }
    const t = row.event_time;
    if (t < this.watermark) {
      this.totals.late++;
      this.#count(row, 'late_events');
      return 'late';
    }
    if (t > this.#maxEventTime) this.#maxEventTime = t;
    if (row.is_bot) {
      this.totals.bots++;
      this.#count(row, 'bot_events');
      this.#minutes.countBot(row);
      return 'bot';
    }
    const visitor = visitorOf(row);
    this.#minutes.update(row, visitor);
    this.#hours.update(row.site_id, t, visitor);
    this.#sessions.update(row.site_id, visitor, sessionEventOf(row));
    const seenKey = `${row.site_id}\u0000${visitor}`;
    const seen = this.#visitors.get(seenKey);
    // (the map's rows leave only with takeChanges, which empties it: updating one in place is safe)
    if (!seen) this.#visitors.set(seenKey, { site_id: row.site_id, visitor, last_seen: t });
    else if (seen.last_seen < t) seen.last_seen = t;
    if (row.event_name === 'Order Completed' && row.order_id !== null) this.#order(row, visitor);
    return 'counted';
  }

  #order(row: LakeRow, visitor: string): void {
    const key = `${row.site_id}\u0000${row.order_id}`;
    const known = this.#orders.get(key);
    const candidate: OrderRow = {
      site_id: row.site_id,
      order_id: row.order_id as string,
      event_time: row.event_time,
      received_at: row.received_at,
      message_id: row.message_id,
      currency: row.currency,
      revenue: toMicros(row.revenue),
      visitor,
    };
    if (!known || firstReport(candidate, known) === candidate) this.#orders.set(key, candidate);
  }

  #count(row: LakeRow, field: 'duplicates' | 'late_events' | 'bot_events'): void {
    const day = dayOf(row.event_time);
    const key = `${row.site_id}\u0000${day}`;
    const old = this.#daily.get(key) ?? {
      site_id: row.site_id,
      day,
      late_events: 0,
      duplicates: 0,
      bot_events: 0,
    };
    this.#daily.set(key, { ...old, [field]: old[field] + 1, dirty: true });
  }

  /** Moves past a message that never became an event (it went to the dead-letter topic). */
  skip(offset: bigint): void {
    this.offset = offset;
  }

  /** Raises the watermark without an event (an idle partition, see main.ts). Returns whether it moved. */
  raiseWatermark(to: number): boolean {
    if (to <= this.watermark) return false;
    this.#floor = to;
    return true;
  }

  /** Closes windows and sessions behind the watermark. Call after a batch of messages. */
  advance(): void {
    const w = this.watermark;
    this.#minutes.close(w);
    this.#hours.close(w);
    this.#closedSessions.push(...this.#sessions.close(w));
  }

  /** Every row changed since the last call. */
  takeChanges(): StreamChanges {
    const { minutes, pages } = this.#minutes.takeChanges();
    const daily: DailyCountRow[] = [];
    const horizon = dayOf(this.watermark - DAILY_KEEP_DAYS * DAY_MS);
    for (const [key, d] of this.#daily) {
      if (d.dirty) {
        const { dirty: _dirty, ...row } = d;
        daily.push(row);
        d.dirty = false;
      }
      if (Number.isFinite(this.watermark) && d.day < horizon) this.#daily.delete(key);
    }
    const changes: StreamChanges = {
      minutes,
      pages,
      hours: this.#hours.takeChanges(),
      sessions: this.#closedSessions,
      orders: [...this.#orders.values()],
      visitors: [...this.#visitors.values()],
      daily,
    };
    this.#closedSessions = [];
    this.#orders.clear();
    this.#visitors.clear();
    return changes;
  }

  /** Memory held, for the partition state row and the benchmark. */
  stats() {
    const d = this.#dedupe.stats();
    const s = this.#sessions.stats();
    return {
      dedupeIds: d.ids,
      dedupeBytes: d.bytes,
      openMinutes: this.#minutes.size,
      openSessions: s.sessions,
      sessionEvents: s.events,
    };
  }

  /**
   * The state for a checkpoint: `main`, [u32 length][JSON of everything but the duplicate filter's
   * ids], and the filter's ids in parts, one per hour of receipt; a part whose key `stored` knows
   * is not serialized (the checkpoint has it). Call only after `takeChanges` (pending rows are not
   * part of it).
   */
  snapshot(stored: (key: string) => boolean = () => false): StateSnapshot {
    const filter = this.#dedupe.parts(stored);
    const json = JSON.stringify({
      version: 2,
      partition: this.partition,
      offset: this.offset.toString(),
      maxEventTime: Number.isFinite(this.#maxEventTime) ? this.#maxEventTime : null,
      floor: Number.isFinite(this.#floor) ? this.#floor : null,
      minutes: this.#minutes.snapshot(),
      hours: this.#hours.snapshot(),
      sessions: this.#sessions.snapshot(),
      daily: [...this.#daily.values()].map(({ dirty: _dirty, ...row }) => row),
      totals: this.totals,
      filter: filter.head,
    });
    const head = Buffer.from(json, 'utf8');
    const main = new Uint8Array(4 + head.byteLength);
    new DataView(main.buffer).setUint32(0, head.byteLength, true);
    main.set(head, 4);
    return { main, parts: filter.parts };
  }

  /**
   * The stream a checkpoint holds: `main` and its parts' bytes in order. Version 1 (before parts:
   * the filter's bytes follow the JSON in `main`) is still read.
   */
  static restore(main: Uint8Array, parts: readonly Uint8Array[], settings: StreamSettings): PartitionStream {
    const length = new DataView(main.buffer, main.byteOffset, main.byteLength).getUint32(0, true);
    const state = JSON.parse(Buffer.from(main.subarray(4, 4 + length)).toString('utf8'));
    if (state.version !== 1 && state.version !== 2)
      throw new Error(`unknown checkpoint version ${state.version}`);
    const s = new PartitionStream(state.partition, settings);
    s.offset = BigInt(state.offset);
    s.#maxEventTime = state.maxEventTime ?? Number.NEGATIVE_INFINITY;
    s.#floor = state.floor ?? Number.NEGATIVE_INFINITY;
    s.#minutes = MinuteWindows.restore(state.minutes);
    s.#hours = HourlyUsers.restore(state.hours);
    s.#sessions = s.#newSessionizer(state.sessions);
    for (const d of state.daily as DailyCountRow[]) s.#daily.set(`${d.site_id}\u0000${d.day}`, d);
    Object.assign(s.totals, state.totals);
    s.#dedupe =
      state.version === 1
        ? DedupeFilter.restore(main.subarray(4 + length))
        : DedupeFilter.fromParts(state.filter, parts);
    return s;
  }
}

/** The earlier report of an order: smallest (event time, receipt time, messageId). */
export function firstReport(a: OrderRow, b: OrderRow): OrderRow {
  if (a.event_time !== b.event_time) return a.event_time < b.event_time ? a : b;
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? a : b;
  return a.message_id <= b.message_id ? a : b;
}
