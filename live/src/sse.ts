// Server-sent events (the HTML standard's text/event-stream) over a node:http response. EventSource
// reconnects by itself after a dropped connection; the server then sends a fresh snapshot, so no
// event ids or replay are needed.
import type { ServerResponse } from 'node:http';

/** One event frame: `event:` line, the data (one `data:` line per line of it), blank line. */
export function sseFrame(event: string, data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `event: ${event}\n${text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

export interface SseClient {
  send(event: string, data: unknown): void;
  /** A comment line: keeps proxies and idle timers from closing a quiet stream. */
  ping(): void;
  close(): void;
  readonly closed: Promise<void>;
}

/** A client whose unread output exceeds this is too slow: it is cut off and reconnects afresh. */
const MAX_BUFFERED_BYTES = 1 << 20;

export function openSse(res: ServerResponse, retryMs = 2_000): SseClient {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  // How long the browser waits before reconnecting.
  res.write(`retry: ${retryMs}\n\n`);
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  const write = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(text);
  };
  return {
    send: (event, data) => write(sseFrame(event, data)),
    ping: () => write(': ping\n\n'),
    close: () => {
      if (!res.writableEnded) res.end();
    },
    closed,
  };
}
