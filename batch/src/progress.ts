// The backfill's progress bar: days done, events per second, time left. On a terminal it redraws
// one line; otherwise (CI, a log file) it prints one line per day.

export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

const WIDTH = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  readonly #total: number;
  readonly #sink: ProgressSink;
  readonly #started = performance.now();
  #done = 0;
  #events = 0;

  constructor(totalDays: number, sink: ProgressSink) {
    this.#total = totalDays;
    this.#sink = sink;
  }

  /** A day is done; `events` is how many of the lake's rows it read. */
  dayDone(date: string, events: number): void {
    this.#done += 1;
    this.#events += events;
    this.#sink.write(this.#sink.isTTY ? `\r${this.line(date)}` : `${this.line(date)}\n`);
    if (this.#sink.isTTY && this.#done === this.#total) this.#sink.write('\n');
  }

  line(lastDate: string): string {
    const elapsed = (performance.now() - this.#started) / 1000;
    const filled = Math.round((this.#done / this.#total) * WIDTH);
    const rate = elapsed > 0 ? this.#events / elapsed : 0;
    const eta = (elapsed / this.#done) * (this.#total - this.#done);
    return `batch: [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${this.#done}/${this.#total} days  ${Math.round(rate).toLocaleString('en-US')} events/s  ETA ${duration(eta)}  (last: ${lastDate})`;
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.#started) / 1000;
  }
}
