// Reads a text/event-stream the way EventSource does, for tests: events as they arrive, and a
// wait for the first one that matches.

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  /** performance.now() when it arrived. */
  readonly at: number;
}

export interface SseReader {
  readonly events: SseEvent[];
  /** The first event from index `from` on that matches, waiting up to `timeoutMs`. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

export async function readSse(url: string): Promise<SseReader> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  let wake = () => {};
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = [...frame.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
          if (event) events.push({ event, data: JSON.parse(data), at: performance.now() });
          end = buffer.indexOf('\n\n');
        }
        wake();
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    async waitFor(match, timeoutMs = 10_000, from = 0) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = events.slice(from).find(match);
        if (found) return found;
        const left = deadline - performance.now();
        if (left <= 0) {
          throw new Error(
            `no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`,
          );
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
    },
    close: () => ac.abort(),
  };
}
