// Per-minute metrics of one Kafka partition: tumbling 1-minute windows of event time (UTC) per
// site. A window is open (its row is provisional and rewritten as events arrive) until the
// watermark reaches its end; then it is final and leaves memory once its row was handed out.
// Only on-time events arrive here (late ones are counted apart); bots only add to bot_events.
import type { LakeRow } from '@clickstream/schema';
import { pageKey } from './page-key.ts';

export const MINUTE_MS = 60_000;

/** The row of `realtime.minute_metrics` (without the partition, which the sink adds). */
export interface MinuteRow {
  readonly site_id: string;
  /** Window start, epoch ms. */
  readonly minute: number;
  readonly events: number;
  readonly page_views: number;
  readonly clicks: number;
  readonly visitors: number;
  readonly sessions_started: number;
  readonly product_viewed: number;
  readonly product_added: number;
  readonly checkout_started: number;
  readonly bot_events: number;
  readonly final: boolean;
}

/** A row of `realtime.page_minute`: page views per page and minute. */
export interface PageMinuteRow {
  readonly site_id: string;
  readonly minute: number;
  readonly page_path: string;
  readonly page_views: number;
}

interface Window {
  site: string;
  minute: number;
  events: number;
  pageViews: number;
  clicks: number;
  sessionsStarted: number;
  productViewed: number;
  productAdded: number;
  checkoutStarted: number;
  botEvents: number;
  visitors: Set<string>;
  pages: Map<string, number>;
  final: boolean;
}

type WindowJson = Omit<Window, 'visitors' | 'pages'> & { visitors: string[]; pages: [string, number][] };

/** Page views of events without a path are counted under this path. */
export const UNKNOWN_PAGE = '(unknown)';

const minuteOf = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
const keyOf = (site: string, minute: number) => `${site}\u0000${minute}`;

export class MinuteWindows {
  readonly #windows = new Map<string, Window>();
  readonly #dirty = new Set<string>();

  #window(site: string, t: number): Window {
    const minute = minuteOf(t);
    const key = keyOf(site, minute);
    let w = this.#windows.get(key);
    if (!w) {
      w = {
        site,
        minute,
        events: 0,
        pageViews: 0,
        clicks: 0,
        sessionsStarted: 0,
        productViewed: 0,
        productAdded: 0,
        checkoutStarted: 0,
        botEvents: 0,
        visitors: new Set(),
        pages: new Map(),
        final: false,
      };
      this.#windows.set(key, w);
    }
    this.#dirty.add(key);
    return w;
  }

  /** An on-time event of a person (not a bot). */
  update(row: LakeRow, visitor: string): void {
    const w = this.#window(row.site_id, row.event_time);
    w.events++;
    w.visitors.add(visitor);
    if (row.type === 'page') {
      w.pageViews++;
      const path = pageKey(row.page_path) ?? UNKNOWN_PAGE;
      w.pages.set(path, (w.pages.get(path) ?? 0) + 1);
    }
    if (row.is_click) w.clicks++;
    if (row.event_name === 'Product Viewed') w.productViewed++;
    else if (row.event_name === 'Product Added') w.productAdded++;
    else if (row.event_name === 'Checkout Started') w.checkoutStarted++;
  }

  /** An on-time event of a bot: counted apart, in no metric. */
  countBot(row: LakeRow): void {
    this.#window(row.site_id, row.event_time).botEvents++;
  }

  /** A session starting at `start` appeared (+1) or disappeared (-1) (sessions merge and move). */
  adjustSessionsStarted(site: string, start: number, delta: number): void {
    this.#window(site, start).sessionsStarted += delta;
  }

  /** Windows whose end is at or before the watermark become final. */
  close(watermark: number): void {
    for (const [key, w] of this.#windows) {
      if (!w.final && w.minute + MINUTE_MS <= watermark) {
        w.final = true;
        this.#dirty.add(key);
      }
    }
  }

  /** The rows changed since the last call; final windows are forgotten once handed out. */
  takeChanges(): { minutes: MinuteRow[]; pages: PageMinuteRow[] } {
    const minutes: MinuteRow[] = [];
    const pages: PageMinuteRow[] = [];
    for (const key of this.#dirty) {
      const w = this.#windows.get(key);
      if (!w) continue;
      minutes.push({
        site_id: w.site,
        minute: w.minute,
        events: w.events,
        page_views: w.pageViews,
        clicks: w.clicks,
        visitors: w.visitors.size,
        sessions_started: w.sessionsStarted,
        product_viewed: w.productViewed,
        product_added: w.productAdded,
        checkout_started: w.checkoutStarted,
        bot_events: w.botEvents,
        final: w.final,
      });
      for (const [page_path, page_views] of w.pages)
        pages.push({ site_id: w.site, minute: w.minute, page_path, page_views });
      if (w.final) this.#windows.delete(key);
    }
    this.#dirty.clear();
    return { minutes, pages };
  }

  get size(): number {
    return this.#windows.size;
  }

  snapshot(): WindowJson[] {
    return [...this.#windows.values()].map((w) => ({ ...w, visitors: [...w.visitors], pages: [...w.pages] }));
  }

  /**
   * Restores open windows. None is marked changed: their rows were written before the checkpoint
   * was taken (the sink is flushed first), and PostgreSQL may already hold newer values.
   */
  static restore(json: readonly WindowJson[]): MinuteWindows {
    const m = new MinuteWindows();
    for (const w of json)
      m.#windows.set(keyOf(w.site, w.minute), {
        ...w,
        visitors: new Set(w.visitors),
        pages: new Map(w.pages),
      });
    return m;
  }
}
