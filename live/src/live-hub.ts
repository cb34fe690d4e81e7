// The heart of the live server: which browsers watch which site, and when to read the numbers
// again. A NOTIFY from the processor (a write for some sites) or the periodic refresh asks for a
// round; the throttle coalesces bursts per site; a round reads the site's snapshot and pushes it to
// viewers that have none yet, and the delta from the previous one to the others. Sites nobody
// watches are never queried.
import type { ReadSnapshot } from './read-snapshot.ts';
import { diffSnapshot, type Snapshot } from './snapshot.ts';
import type { SseClient } from './sse.ts';
import { realTimers, Throttle, type Timers } from './throttle.ts';

export interface HubOptions {
  readonly read: ReadSnapshot;
  /** Only NOTIFYs for this schema concern us (several pipelines may share a database). */
  readonly schema: string;
  readonly coalesceMs: number;
  readonly refreshMs: number;
  readonly heartbeatMs: number;
  readonly log?: (line: string) => void;
  readonly timers?: Timers;
}

/** The `status` event: whether the numbers on screen are current. */
export interface Status {
  readonly ok: boolean;
  readonly message: string;
}

interface Viewer {
  readonly client: SseClient;
  hasSnapshot: boolean;
}

interface SiteState {
  readonly viewers: Set<Viewer>;
  last: Snapshot | null;
}

/**
 * The sites a processor NOTIFY payload names, or null when it is not for `schema` (or not ours).
 * Payload: {"schema","topic","partition","sites":[...]} (processor/src/postgres-sink.ts).
 */
export function sitesOfNotify(payload: string | undefined, schema: string): string[] | null {
  try {
    const p = JSON.parse(payload ?? '') as { schema?: unknown; sites?: unknown };
    if (p.schema !== schema || !Array.isArray(p.sites)) return null;
    return p.sites.filter((s): s is string => typeof s === 'string');
  } catch {
    return null;
  }
}

export class LiveHub {
  readonly #opts: HubOptions;
  readonly #sites = new Map<string, SiteState>();
  readonly #throttle: Throttle<string>;
  readonly #intervals: NodeJS.Timeout[];
  #databaseError: string | null = null;
  #listening = false;

  constructor(opts: HubOptions) {
    this.#opts = opts;
    this.#throttle = new Throttle((site) => this.#round(site), opts.coalesceMs, opts.timers ?? realTimers);
    // Current visitors and top pages decay as the clock moves, without any write: re-read.
    this.#intervals = [
      setInterval(() => this.refreshAll(), opts.refreshMs),
      setInterval(() => {
        for (const st of this.#sites.values()) for (const v of st.viewers) v.client.ping();
      }, opts.heartbeatMs),
    ];
    for (const t of this.#intervals) t.unref();
  }

  /** Adds a viewer of `site`; it gets the current snapshot at once (or as soon as one is read). */
  subscribe(site: string, client: SseClient): () => void {
    let st = this.#sites.get(site);
    if (!st) {
      st = { viewers: new Set(), last: null };
      this.#sites.set(site, st);
    }
    const viewer: Viewer = { client, hasSnapshot: false };
    st.viewers.add(viewer);
    const status = this.status();
    if (!status.ok) client.send('status', status);
    if (st.last) {
      client.send('snapshot', st.last);
      viewer.hasSnapshot = true;
    }
    // Even with a cached snapshot: it may be a few seconds old.
    this.#throttle.request(site);
    return () => {
      const now = this.#sites.get(site);
      if (!now?.viewers.delete(viewer) || now.viewers.size > 0) return;
      this.#sites.delete(site);
      this.#throttle.forget(site);
    };
  }

  /** A NOTIFY from the processor. */
  notify(payload: string | undefined): void {
    for (const site of sitesOfNotify(payload, this.#opts.schema) ?? []) {
      if (this.#sites.has(site)) this.#throttle.request(site);
    }
  }

  /** The LISTEN connection went up or down. Coming back, re-read: NOTIFYs meanwhile are lost. */
  listening(up: boolean, detail = ''): void {
    const before = this.status();
    this.#listening = up;
    if (up) this.refreshAll();
    else if (before.ok) this.#opts.log?.(`not listening for writes: ${detail}; reconnecting`);
    this.#publishStatus(before);
  }

  refreshAll(): void {
    for (const site of this.#sites.keys()) this.#throttle.request(site);
  }

  status(): Status {
    if (this.#databaseError !== null)
      return { ok: false, message: `database unreachable: ${this.#databaseError}` };
    if (!this.#listening)
      return {
        ok: false,
        message: `not notified of writes (reconnecting); numbers refresh every ${this.#opts.refreshMs / 1000} s`,
      };
    return { ok: true, message: 'live' };
  }

  /** How many browsers watch, by site (for /health and tests). */
  viewers(): Record<string, number> {
    return Object.fromEntries([...this.#sites].map(([site, st]) => [site, st.viewers.size]));
  }

  close(): void {
    for (const t of this.#intervals) clearInterval(t);
    this.#throttle.close();
    for (const st of this.#sites.values()) for (const v of st.viewers) v.client.close();
    this.#sites.clear();
  }

  async #round(site: string): Promise<void> {
    let snap: Snapshot;
    const before = this.status();
    try {
      snap = await this.#opts.read(site);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.#databaseError === null) this.#opts.log?.(`reading ${site} failed: ${message}`);
      this.#databaseError = message;
      this.#publishStatus(before);
      return;
    }
    if (this.#databaseError !== null) {
      this.#opts.log?.('database reachable again');
      this.#databaseError = null;
      this.#publishStatus(before);
    }
    const st = this.#sites.get(site);
    if (!st) return; // everyone left meanwhile
    const prev = st.last;
    st.last = snap;
    const delta = prev ? diffSnapshot(prev, snap) : null;
    for (const v of st.viewers) {
      if (!v.hasSnapshot) {
        v.client.send('snapshot', snap);
        v.hasSnapshot = true;
      } else if (delta) v.client.send('delta', delta);
    }
  }

  #publishStatus(before: Status): void {
    const now = this.status();
    if (now.ok === before.ok && now.message === before.message) return;
    for (const st of this.#sites.values()) for (const v of st.viewers) v.client.send('status', now);
  }
}
