// Coalesces requests per key: at most one run per key every `intervalMs`, never two at once. The
// first request after a quiet spell runs at once (a click should not wait for a timer); requests
// that arrive while a run is in flight or too soon after one are merged into a single trailing run,
// so a burst of NOTIFYs costs at most one query round per interval and the last write is never
// missed. Timers and clock are injected for tests.

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface KeyState {
  running: boolean;
  /** A request arrived during the run: run again after it. */
  again: boolean;
  lastStart: number;
  timer: unknown;
  /** Forgotten while running: dropped when the run ends, unless requested again meanwhile. */
  forgotten: boolean;
}

export class Throttle<K> {
  readonly #run: (key: K) => Promise<void>;
  readonly #intervalMs: number;
  readonly #timers: Timers;
  readonly #keys = new Map<K, KeyState>();
  #closed = false;

  constructor(run: (key: K) => Promise<void>, intervalMs: number, timers: Timers = realTimers) {
    this.#run = run;
    this.#intervalMs = intervalMs;
    this.#timers = timers;
  }

  request(key: K): void {
    if (this.#closed) return;
    let st = this.#keys.get(key);
    if (!st) {
      st = {
        running: false,
        again: false,
        lastStart: Number.NEGATIVE_INFINITY,
        timer: null,
        forgotten: false,
      };
      this.#keys.set(key, st);
    }
    st.forgotten = false;
    if (st.running) {
      st.again = true;
      return;
    }
    if (st.timer !== null) return; // a trailing run is already due
    const wait = st.lastStart + this.#intervalMs - this.#timers.now();
    if (wait <= 0) void this.#start(key, st);
    else
      st.timer = this.#timers.setTimeout(() => {
        (st as KeyState).timer = null;
        void this.#start(key, st as KeyState);
      }, wait);
  }

  /** Forgets a key (its viewers left); a run in flight finishes. */
  forget(key: K): void {
    const st = this.#keys.get(key);
    if (!st) return;
    if (st.timer !== null) this.#timers.clearTimeout(st.timer);
    st.timer = null;
    st.again = false;
    if (st.running) st.forgotten = true;
    else this.#keys.delete(key);
  }

  close(): void {
    this.#closed = true;
    for (const key of [...this.#keys.keys()]) this.forget(key);
  }

  async #start(key: K, st: KeyState): Promise<void> {
    if (this.#closed) return;
    st.running = true;
    st.again = false;
    st.lastStart = this.#timers.now();
    try {
      await this.#run(key);
    } catch {
      // The run reports its own errors; the throttle only keeps the rhythm.
    } finally {
      st.running = false;
    }
    if (st.forgotten) this.#keys.delete(key);
    else if (st.again) this.request(key);
  }
}
