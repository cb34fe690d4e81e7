// buildApp(config, deps) returns the Fastify instance and never listens (server.ts does), so tests
// drive it with app.inject(). Every accepted event was acknowledged by Kafka before the 2xx.
// In front of Kafka: per-IP and per-write-key rate limits (429) and load shedding (503) when too
// many events already wait on Kafka's acknowledgement.
import { createAjv, type EventType } from '@clickstream/schema';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import Type from 'typebox';
import { createIngest, type EventSink, type Outcome, overloaded } from './accept-events.ts';
import { aggregateWarnings } from './aggregate-warnings.ts';
import type { CollectorConfig } from './config.ts';
import { allowOrigin, allowPreflight, isTrackingApi } from './cors.ts';
import { createSlowRequestCutter, serverTimeoutOptions } from './cut-slow-requests.ts';
import { contentEncodingOf, decodeBody } from './decode-body.ts';
import type { GeoLookup } from './geo.ts';
import { type CollectorMetrics, createMetrics } from './metrics.ts';
import {
  BatchBody,
  DOCUMENT_BATCH_ITEMS,
  INGEST_RESPONSES,
  registerOpenApi,
  SingleBody,
  Status,
} from './openapi.ts';
import { BODY_CONTENT_TYPES, registerBodyParsers } from './parse-body.ts';
import { retryAfterSeconds, TokenBuckets } from './rate-limit.ts';
import { bodyRefusal } from './refuse-body.ts';

export {
  type EventSink,
  RETRY_AFTER_SECONDS,
  SHED_RETRY_AFTER_SECONDS,
} from './accept-events.ts';
export { MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from './event-limits.ts';

export interface CollectorDeps {
  readonly sink: EventSink;
  readonly geo: GeoLookup;
  /** Whether Kafka is reachable (for /ready). */
  readonly kafkaReady: () => Promise<boolean>;
  /** The clock (epoch ms): receivedAt and the rate-limit buckets. */
  readonly now?: () => number;
  readonly logger?: boolean;
  /** Prometheus metrics served at /metrics; a fresh set without process metrics by default. */
  readonly metrics?: CollectorMetrics;
  /** Failed Kafka produces are logged once per this many ms, with a count (default 10 s). */
  readonly warnIntervalMs?: number;
}

export const MAX_BATCH_BYTES = 500 * 1024;
const API_VERSION = '1.0.0';

/**
 * The single-event endpoints: each call type of the Segment spec on its own path and on the one
 * letter analytics-next posts to (`/v1/t`, `/v1/p`, ...). The type comes from the path.
 */
export const SINGLE_EVENT_PATHS: ReadonlyArray<readonly [path: string, type: EventType]> = (
  ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
).flatMap((type) => [[`/v1/${type}`, type] as const, [`/v1/${type[0]}`, type] as const]);
/** The batch endpoint and analytics-next's short form of it. */
export const BATCH_PATHS = ['/v1/batch', '/v1/b'] as const;

const isIngest = (req: FastifyRequest) => req.method === 'POST' && isTrackingApi(req.url);

function answer(reply: FastifyReply, outcome: Outcome) {
  if ('retryAfter' in outcome) reply.header('retry-after', String(outcome.retryAfter));
  return reply.code(outcome.status).send(outcome.body);
}

export function buildApp(config: CollectorConfig, deps: CollectorDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const allowedOrigins = new Set(config.sites.flatMap((s) => s.origins));
  const ipBuckets =
    config.rateLimitIpPerMinute > 0 ? new TokenBuckets({ perMinute: config.rateLimitIpPerMinute }) : null;
  const slow = createSlowRequestCutter(config.timeouts, metrics);

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: MAX_BATCH_BYTES,
    trustProxy: config.trustProxy,
    // Request logs would carry raw IPs; the collector logs its own lines instead.
    logController: new LogController({ disableRequestLogging: true }),
    ...serverTimeoutOptions(config.timeouts),
    clientErrorHandler: slow.onClientError,
  });

  const produceFailures = aggregateWarnings({
    message: 'kafka produce failed',
    intervalMs: deps.warnIntervalMs ?? 10_000,
    warn: (fields, message) => app.log.warn(fields, message),
  });
  app.addHook('onClose', async () => produceFailures.flush());

  const ingest = createIngest(config, {
    sink: deps.sink,
    geo: deps.geo,
    now,
    metrics,
    warn: (fields, message) => app.log.warn(fields, message),
    produceFailed: produceFailures.record,
  });

  // The contract's own Ajv (no type coercion, no removal of unknown fields) validates route bodies.
  const ajv = createAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  registerBodyParsers(app);

  app.addHook('onRequest', async (req, reply) => {
    metrics.requestsInFlight.inc();
    // 'close' comes after the response was sent and also when the client went away.
    reply.raw.once('close', () => metrics.requestsInFlight.dec());

    const origin = req.headers.origin;
    if (origin && isTrackingApi(req.url) && allowedOrigins.has(origin)) allowOrigin(reply, origin);
    if (!isIngest(req)) return;
    // Cheap refusals before the body is read.
    if (ingest.pendingEvents() >= config.maxPendingEvents) {
      metrics.requestsRejected.inc({ reason: 'overloaded' });
      return answer(reply, overloaded());
    }
    const wait = ipBuckets?.take(req.ip ?? 'unknown', 1, now()) ?? 0;
    if (wait > 0) {
      metrics.requestsRejected.inc({ reason: 'rate_limited' });
      return answer(reply, {
        status: 429,
        retryAfter: retryAfterSeconds(wait),
        body: { error: 'rate_limited', message: 'too many requests from this address' },
      });
    }
    slow.watchBody(req.raw);
  });

  // A compressed body is decoded as it arrives; the body limit then counts decoded bytes.
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (!isIngest(req)) return payload;
    const encoding = contentEncodingOf(req.headers['content-encoding']);
    return encoding === undefined ? payload : decodeBody(payload, encoding, MAX_BATCH_BYTES);
  });
  app.addHook('preValidation', async (req) => slow.stopWatching(req.raw));
  app.addHook('onResponse', async (req) => slow.forget(req.raw));

  app.setErrorHandler(
    (err: Error & { statusCode?: number; code?: string; validation?: unknown[] }, req, reply) => {
      slow.stopWatching(req.raw);
      // Node fails the body of a request whose connection closed with ECONNRESET ("aborted").
      if (err.code === 'ECONNRESET' || slow.wasCut(req.raw.socket)) {
        // Nobody to answer. Cut for slowness: already counted as a timeout.
        if (!slow.wasCut(req.raw.socket)) metrics.requestsRejected.inc({ reason: 'aborted' });
        return reply.code(400).send({ error: 'aborted', message: 'the client went away' });
      }
      // The rest of an unread body is not worth reading: answer and close the connection.
      if (req.raw.complete === false) reply.header('connection', 'close');
      if (err.validation) {
        const issues = (err.validation as Array<{ instancePath: string; message?: string }>).map((v) => ({
          path: v.instancePath,
          message: v.message ?? 'invalid',
        }));
        metrics.requestsRejected.inc({ reason: 'invalid_body' });
        return reply
          .code(400)
          .send({ error: 'invalid_body', message: 'the request body does not match the schema', issues });
      }
      const refusal = bodyRefusal(err, req.headers['content-type'], MAX_BATCH_BYTES);
      if (refusal) {
        metrics.requestsRejected.inc({ reason: refusal.reason });
        return reply.code(refusal.status).send(refusal.body);
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        if (isIngest(req)) metrics.requestsRejected.inc({ reason: 'invalid_body' });
        return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
      }
      app.log.error({ err: err.message }, 'unexpected error');
      return reply.code(500).send({ error: 'internal', message: 'unexpected error' });
    },
  );

  const accept = async (
    req: FastifyRequest,
    reply: FastifyReply,
    events: readonly unknown[],
    envelope: { writeKey?: string | undefined; sentAt?: string | undefined; context?: unknown },
  ) =>
    answer(
      reply,
      await ingest.accept({
        events,
        envelope,
        ip: req.ip,
        userAgentHeader: req.headers['user-agent'],
        authorization: req.headers.authorization,
        origin: req.headers.origin,
      }),
    );

  // Routes come after @fastify/swagger, which documents them as they are added.
  registerOpenApi(app, API_VERSION);
  app.register(async (routes) => {
    routes.options(
      '/v1/*',
      {
        schema: {
          tags: ['tracking'],
          summary: 'CORS preflight (always 204)',
          response: { 204: Type.Null({ description: 'no body; CORS headers for an allowed origin' }) },
        },
      },
      async (req, reply) => {
        if (req.headers.origin && allowedOrigins.has(req.headers.origin)) allowPreflight(reply);
        return reply.code(204).send();
      },
    );

    const consumes = BODY_CONTENT_TYPES;
    for (const path of BATCH_PATHS) {
      routes.post(
        path,
        {
          config: DOCUMENT_BATCH_ITEMS,
          schema: {
            tags: ['tracking'],
            summary:
              path === '/v1/batch'
                ? 'A batch of 1 to 1000 events'
                : 'A batch of 1 to 1000 events (short form of /v1/batch, posted by analytics-next)',
            security: [{ writeKey: [] }, {}],
            consumes,
            body: BatchBody,
            response: INGEST_RESPONSES,
          },
        },
        (req, reply) => {
          const body = req.body as BatchBody;
          return accept(req, reply, body.batch, body);
        },
      );
    }

    for (const [path, type] of SINGLE_EVENT_PATHS) {
      routes.post(
        path,
        {
          schema: {
            tags: ['tracking'],
            summary:
              path === `/v1/${type}`
                ? `One ${type} event (the type comes from the path)`
                : `One ${type} event (short form of /v1/${type}, posted by analytics-next)`,
            security: [{ writeKey: [] }, {}],
            consumes,
            body: SingleBody,
            response: INGEST_RESPONSES,
          },
        },
        (req, reply) => {
          const body = req.body as Record<string, unknown>;
          if (body.type !== undefined && body.type !== type) {
            metrics.requestsRejected.inc({ reason: 'invalid_body' });
            return reply.code(400).send({
              error: 'invalid_body',
              message: `type "${String(body.type)}" sent to ${path}`,
              issues: [{ path: '/type', message: `must be "${type}" on this endpoint` }],
            });
          }
          const event = { ...body, type };
          return accept(req, reply, [event], { writeKey: body.writeKey as string | undefined });
        },
      );
    }

    routes.get(
      '/health',
      { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Status } } },
      async () => ({ status: 'ok' }),
    );
    routes.get(
      '/ready',
      {
        schema: {
          tags: ['operations'],
          summary: 'Kafka answers',
          response: { 200: Status, 503: Status },
        },
      },
      async (_req, reply) => {
        const ready = await deps.kafkaReady().catch(() => false);
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'kafka unreachable' });
      },
    );
    routes.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format)',
          produces: [metrics.registry.contentType],
          response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
        },
      },
      async (_req, reply) => {
        const text = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(text);
      },
    );
    routes.get(
      '/openapi.json',
      { schema: { tags: ['operations'], summary: 'This OpenAPI document, generated from the routes' } },
      async () => app.swagger(),
    );
  });

  return app;
}
