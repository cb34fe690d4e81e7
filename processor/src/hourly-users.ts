// Hourly active users of one Kafka partition: exact distinct visitors per site and UTC hour of
// event time. Open hours are provisional; an hour is final once the watermark reaches its end.
// Visitors live in one partition (the Kafka key is the visitor), so the partitions' counts add up.

export const HOUR_MS = 3_600_000;

/** A row of `realtime.hourly_active_users` (without the partition). */
export interface HourRow {
  readonly site_id: string;
  /** Hour start, epoch ms. */
  readonly hour: number;
  readonly active_users: number;
  readonly final: boolean;
}

interface Hour {
  site: string;
  hour: number;
  visitors: Set<string>;
  final: boolean;
}

type HourJson = Omit<Hour, 'visitors'> & { visitors: string[] };

const keyOf = (site: string, hour: number) => `${site}\u0000${hour}`;

export class HourlyUsers {
  readonly #hours = new Map<string, Hour>();
  readonly #dirty = new Set<string>();

  /** An on-time event of a person. */
  update(site: string, eventTime: number, visitor: string): void {
    const hour = Math.floor(eventTime / HOUR_MS) * HOUR_MS;
    const key = keyOf(site, hour);
    let h = this.#hours.get(key);
    if (!h) {
      h = { site, hour, visitors: new Set(), final: false };
      this.#hours.set(key, h);
    }
    if (!h.visitors.has(visitor)) {
      h.visitors.add(visitor);
      this.#dirty.add(key);
    }
  }

  close(watermark: number): void {
    for (const [key, h] of this.#hours) {
      if (!h.final && h.hour + HOUR_MS <= watermark) {
        h.final = true;
        this.#dirty.add(key);
      }
    }
  }

  takeChanges(): HourRow[] {
    const rows: HourRow[] = [];
    for (const key of this.#dirty) {
      const h = this.#hours.get(key);
      if (!h) continue;
      rows.push({ site_id: h.site, hour: h.hour, active_users: h.visitors.size, final: h.final });
      if (h.final) this.#hours.delete(key);
    }
    this.#dirty.clear();
    return rows;
  }

  snapshot(): HourJson[] {
    return [...this.#hours.values()].map((h) => ({ ...h, visitors: [...h.visitors] }));
  }

  /** Restores open hours without marking them changed (see MinuteWindows.restore). */
  static restore(json: readonly HourJson[]): HourlyUsers {
    const u = new HourlyUsers();
    for (const h of json) u.#hours.set(keyOf(h.site, h.hour), { ...h, visitors: new Set(h.visitors) });
    return u;
  }
}
