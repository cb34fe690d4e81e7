// LISTEN on one dedicated PostgreSQL connection, for as long as the server runs. When the
// connection breaks (PostgreSQL restarted, the backend was terminated, the network went away) it
// says so and reconnects with a growing pause (250 ms doubling to 5 s), then LISTENs again; the hub
// re-reads everything at that point, since NOTIFYs sent meanwhile are not kept for anyone.
import { type Client, createClient } from '@clickstream/infra/postgres';

export interface ListenerOptions {
  readonly url: string;
  readonly channel: string;
  readonly onNotify: (payload: string | undefined) => void;
  /** Up after each successful LISTEN; down with the reason when the connection is lost. */
  readonly onState: (up: boolean, detail: string) => void;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export class NotifyListener {
  readonly #opts: ListenerOptions;
  #client: Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;
  #closed = false;

  constructor(opts: ListenerOptions) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.channel)) throw new Error(`invalid channel ${opts.channel}`);
    this.#opts = opts;
  }

  start(): void {
    void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = createClient(this.#opts.url, { applicationName: 'clickstream-live' });
    this.#client = client;
    let gone = false;
    const lost = (why: string) => {
      if (gone) return;
      gone = true;
      if (this.#client === client) this.#client = null;
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.#opts.onState(false, why);
      const min = this.#opts.retryMinMs ?? 250;
      const delay = Math.min(this.#opts.retryMaxMs ?? 5_000, min * 2 ** this.#failures++);
      this.#timer = setTimeout(() => void this.#connect(), delay);
    };
    // Stays attached after the end: a late `error` event must not end the process.
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection closed'));
    client.on('notification', (n) => {
      if (n.channel === this.#opts.channel) this.#opts.onNotify(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#opts.channel}`);
    } catch (err) {
      lost(err instanceof Error ? err.message : String(err));
      return;
    }
    if (gone || this.#closed) return;
    this.#failures = 0;
    this.#opts.onState(true, '');
  }
}
