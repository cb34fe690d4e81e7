// CORS for the tracking API (`/v1/*`) only: /metrics, /health, /ready and /openapi.json are never
// readable from a shop's pages. An allowed origin (one listed for some site) is reflected, not
// answered with `*`, because beacons are credentialed requests. CORS only hides answers; which
// origin may send with which write key is checked per event (accept-events.ts).
import type { FastifyReply } from 'fastify';

/**
 * Request headers real clients send cross-origin, allowed by the preflight: analytics-next sends
 * `Authorization` (the write key) and, on every retry, `X-Retry-Count`; RudderStack's browser SDK
 * sends `AnonymousId`; `Content-Encoding` for bodies compressed in the page.
 */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-retry-count',
  'anonymousid',
  'content-encoding',
] as const;

/** Whether a request belongs to the tracking API (the only part with CORS). */
export const isTrackingApi = (url: string) => url.startsWith('/v1/');

/** Response headers for a request from an allowed origin. */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('access-control-allow-credentials', 'true');
  reply.header('access-control-expose-headers', 'retry-after');
  reply.header('vary', 'Origin');
}

/** The preflight's own headers (OPTIONS /v1/*). */
export function allowPreflight(reply: FastifyReply): void {
  reply.header('access-control-allow-methods', 'POST, OPTIONS');
  reply.header('access-control-allow-headers', CORS_ALLOWED_HEADERS.join(', '));
  reply.header('access-control-max-age', '86400');
}
