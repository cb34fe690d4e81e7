// Slow and stalled connections against the app listening on loopback (real sockets: app.inject has
// no timers), with limits of a second or less so the test is quick.

import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { validWireEvents } from '@clickstream/schema/fixtures';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type EventSink } from './app.ts';
import { readCollectorConfig } from './config.ts';

const LIMITS = {
  HEADERS_TIMEOUT_MS: '800',
  REQUEST_TIMEOUT_MS: '1600',
  BODY_IDLE_TIMEOUT_MS: '500',
  KEEP_ALIVE_TIMEOUT_MS: '500',
};
const body = JSON.stringify({ batch: [validWireEvents['page-view']], writeKey: 'demo-shop-key' });

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listen(sink: EventSink = { send: async () => {} }): Promise<number> {
  app = buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit', ...LIMITS }), {
    sink,
    geo: () => ({ country: null, region: null, city: null }),
    kafkaReady: async () => true,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** A raw connection: what it received and, once the server closed it, after how many ms. */
function open(port: number) {
  const socket = connect(port, '127.0.0.1');
  const t0 = performance.now();
  let received = '';
  socket.on('data', (d) => {
    received += d.toString();
  });
  socket.on('error', () => {});
  const closed = new Promise<{ received: string; ms: number }>((resolve) =>
    socket.on('close', () => resolve({ received, ms: performance.now() - t0 })),
  );
  return { socket, closed, received: () => received };
}

/** Writes `piece` every `everyMs` until the socket closes. */
function drip(socket: Socket, piece: string, everyMs: number) {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(piece);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

const rejected = async (reason: string) => {
  const text = (await app!.inject('/metrics')).body;
  return Number(
    text.match(new RegExp(`collector_requests_rejected_total\\{reason="${reason}"\\} (\\d+)`))?.[1],
  );
};

const headers = (length: number) =>
  `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow and stalled connections are cut', () => {
  it('a client dripping header lines is answered 408 and closed after HEADERS_TIMEOUT_MS', async () => {
    const c = open(await listen());
    c.socket.write('POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    drip(c.socket, 'X-Drip: 1\r\n', 100);
    const { received, ms } = await c.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(ms).toBeLessThan(2500);
    expect(await rejected('timeout')).toBe(1);
  });

  it('a body that stops arriving is cut after BODY_IDLE_TIMEOUT_MS, counted as a timeout', async () => {
    const sent: unknown[] = [];
    const c = open(await listen({ send: async (_t, m) => void sent.push(...m) }));
    c.socket.write(headers(Buffer.byteLength(body)) + body.slice(0, 40));
    const { ms } = await c.closed;
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect(sent).toEqual([]);
    await expect.poll(() => rejected('timeout')).toBe(1);
    expect(await rejected('aborted')).toBe(0);
    expect(await rejected('invalid_body')).toBe(0);
  });

  it('a body dripping a byte at a time is cut after REQUEST_TIMEOUT_MS', async () => {
    const c = open(await listen());
    c.socket.write(headers(Buffer.byteLength(body)));
    let at = 0;
    const timer = setInterval(() => {
      if (!c.socket.destroyed && at < body.length) c.socket.write(body[at++]!);
    }, 100);
    const { received, ms } = await c.closed;
    clearInterval(timer);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(3500);
    await expect.poll(() => rejected('timeout')).toBe(1);
    expect(await rejected('aborted')).toBe(0);
  });

  it('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const c = open(await listen());
    c.socket.write(headers(Buffer.byteLength(body)) + body);
    await expect.poll(() => c.received()).toMatch(/^HTTP\/1\.1 200 /);
    const answeredAt = performance.now();
    await c.closed;
    const idle = performance.now() - answeredAt;
    expect(idle).toBeGreaterThanOrEqual(400);
    expect(idle).toBeLessThan(1500);
  });

  it('never limits the wait for Kafka: a request whose body is in is answered however long the produce takes', async () => {
    const slowKafka: EventSink = { send: () => new Promise((r) => setTimeout(r, 2500)) };
    const c = open(await listen(slowKafka));
    c.socket.write(headers(Buffer.byteLength(body)) + body);
    await expect.poll(() => c.received(), { timeout: 5000 }).toMatch(/^HTTP\/1\.1 200 /);
    c.socket.destroy();
    expect(await rejected('timeout')).toBe(0);
  });

  it('counts a client that goes away mid-body as aborted, not as an invalid body', async () => {
    const c = open(await listen());
    c.socket.write(headers(Buffer.byteLength(body)) + body.slice(0, 40));
    await new Promise((r) => setTimeout(r, 100));
    c.socket.destroy();
    await expect.poll(() => rejected('aborted')).toBe(1);
    expect(await rejected('invalid_body')).toBe(0);
    expect(await rejected('timeout')).toBe(0);
  });
});

describe('timeouts config', () => {
  it('has defaults and refuses a headers limit above the request limit', () => {
    expect(readCollectorConfig({}).timeouts).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
      bodyIdleMs: 10_000,
      keepAliveMs: 65_000,
    });
    expect(() => readCollectorConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /HEADERS_TIMEOUT_MS=5000 is above REQUEST_TIMEOUT_MS=1000/,
    );
  });
});
