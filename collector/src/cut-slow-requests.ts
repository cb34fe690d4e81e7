// Connections that take too long to send a request are cut, so a client cannot hold sockets open by
// dripping header lines or stalling mid-body (neither is counted by the per-IP rate limit, which
// starts once the headers are in). Four limits, all on receiving (config.ts: Timeouts):
//   headers    Node's headersTimeout: every header must be in within this
//   request    Node's requestTimeout: headers and body within this
//   body idle  here: the body must keep arriving; a pause this long cuts it
//   keep-alive Node's keepAliveTimeout: an idle connection between requests is closed
// Node answers the first two with 408 and closes; a stalled body is simply closed (its client is
// not sending, so it is not reading either). The wait for Kafka's acknowledgement is never limited:
// a request whose body is in is answered however long the produce takes.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions } from 'fastify';
import type { Timeouts } from './config.ts';
import type { CollectorMetrics } from './metrics.ts';

/** Fastify's server options for the Node limits. */
export function serverTimeoutOptions(t: Timeouts): Partial<FastifyHttpOptions<Server>> {
  const enabled = [t.headersMs, t.requestMs].filter((ms) => ms > 0);
  return {
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    // Socket inactivity is not limited as such: a request waiting on Kafka is quiet too.
    connectionTimeout: 0,
    http: {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      // Node checks both limits on this period (30 s by default), so a limit is enforced within
      // about a quarter of itself, at most a second late.
      connectionsCheckingInterval:
        enabled.length > 0 ? Math.min(1000, Math.max(50, Math.floor(Math.min(...enabled) / 4))) : 30_000,
    },
  };
}

export interface SlowRequestCutter {
  /** Starts the body-idle limit of a request whose body is about to be read. */
  watchBody(req: IncomingMessage): void;
  /** The body is in or failed, before anything is answered: the limit no longer applies. */
  stopWatching(req: IncomingMessage): void;
  /**
   * After the answer: only drops the listener. The socket's timer now belongs to Node (its
   * keep-alive limit, set when the response finished) and must not be touched.
   */
  forget(req: IncomingMessage): void;
  /** Whether this socket was cut by one of the limits (its request then fails as aborted). */
  wasCut(socket: Socket | null | undefined): boolean;
  /** Fastify's `clientErrorHandler`: Node's header and request limits end up here. */
  onClientError(err: Error & { code?: string }, socket: Socket): void;
}

/** Counts every cut as `collector_requests_rejected_total{reason="timeout"}`. */
export function createSlowRequestCutter(t: Timeouts, metrics: CollectorMetrics): SlowRequestCutter {
  const cut = new WeakSet<Socket>();

  function bodyStalled(this: IncomingMessage) {
    metrics.requestsRejected.inc({ reason: 'timeout' });
    cut.add(this.socket);
    this.socket.destroy();
  }

  return {
    watchBody(req) {
      // (app.inject's simulated sockets have no timers: nothing to watch there.)
      if (t.bodyIdleMs === 0 || typeof req.socket?.setTimeout !== 'function') return;
      // Node emits the socket's 'timeout' on the request while its body is incomplete; a
      // listener there keeps Node from destroying the socket itself.
      req.on('timeout', bodyStalled);
      req.socket.setTimeout(t.bodyIdleMs);
    },
    stopWatching(req) {
      if (!req.listeners('timeout').includes(bodyStalled)) return;
      req.removeListener('timeout', bodyStalled);
      req.socket?.setTimeout(0);
    },
    forget(req) {
      req.removeListener('timeout', bodyStalled);
    },
    wasCut: (socket) => socket != null && cut.has(socket),
    onClientError(err, socket) {
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        metrics.requestsRejected.inc({ reason: 'timeout' });
        cut.add(socket);
      }
      // As Fastify's default handler: nothing to say to a socket that is gone.
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, body] =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', '{"error":"timeout","message":"the request did not arrive in time"}']
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? [
                '431 Request Header Fields Too Large',
                '{"error":"header_overflow","message":"headers too large"}',
              ]
            : ['400 Bad Request', '{"error":"bad_request","message":"malformed HTTP request"}'];
      if (socket.writable)
        socket.write(
          `HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
        );
      socket.destroy();
    },
  };
}
