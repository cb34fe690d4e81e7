// buildApp(config, deps) returns the Fastify instance and never listens (server.ts does), so tests
// drive it with app.inject(). Every accepted event was acknowledged by Kafka before the 2xx.
// In front of Kafka: per-IP and per-write-key rate limits (429) and load shedding (503) when too
// many events already wait on Kafka's acknowledgement.
import { createAjv } from '@clickstream/schema';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import Type from 'typebox';
import { createIngest, type EventSink, type Outcome, overloaded } from './accept-events.ts';
import type { CollectorConfig } from './config.ts';
import type { GeoLookup } from './geo.ts';
import { type CollectorMetrics, createMetrics } from './metrics.ts';
import { BatchBody, INGEST_RESPONSES, registerOpenApi, SingleBody, Status } from './openapi.ts';
import { retryAfterSeconds, TokenBuckets } from './rate-limit.ts';

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
}

export const MAX_BATCH_BYTES = 500 * 1024;
const API_VERSION = '1.0.0';

// A body that is not JSON, whatever its content type said (Fastify's codes for application/json,
// ours for text/plain); a `__proto__` key is refused the same way.
const NOT_JSON = new Set(['invalid_json', 'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

const isIngest = (req: FastifyRequest) => req.method === 'POST' && req.url.startsWith('/v1/');

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

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: MAX_BATCH_BYTES,
    trustProxy: config.trustProxy,
    // Request logs would carry raw IPs; the collector logs its own lines instead.
    logController: new LogController({ disableRequestLogging: true }),
  });

  const ingest = createIngest(config, {
    sink: deps.sink,
    geo: deps.geo,
    now,
    metrics,
    warn: (fields, message) => app.log.warn(fields, message),
  });

  // The contract's own Ajv (no type coercion, no removal of unknown fields) validates route bodies.
  const ajv = createAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Beacons send JSON as text/plain to avoid a CORS preflight. Parsed like application/json
  // (secure-json-parse: a `__proto__` or `constructor.prototype` key is an error, not a prototype).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => {
    parseJson(req, body as string, (err, value) => {
      if (err) {
        done(
          Object.assign(new Error('body is not valid JSON'), { statusCode: 400, code: 'invalid_json' }),
          undefined,
        );
      } else done(null, value);
    });
  });

  app.addHook('onRequest', async (req, reply) => {
    metrics.requestsInFlight.inc();
    // 'close' comes after the response was sent and also when the client went away.
    reply.raw.once('close', () => metrics.requestsInFlight.dec());

    const origin = req.headers.origin;
    if (origin && allowedOrigins.has(origin)) {
      // Reflect the origin (not `*`): beacons are credentialed requests.
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-expose-headers', 'retry-after');
      reply.header('vary', 'Origin');
    }
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
  });

  app.setErrorHandler(
    (err: Error & { statusCode?: number; code?: string; validation?: unknown[] }, req, reply) => {
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
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        metrics.requestsRejected.inc({ reason: 'too_large' });
        return reply
          .code(413)
          .send({ error: 'too_large', message: `a request body may be at most ${MAX_BATCH_BYTES} bytes` });
      }
      if (err.code !== undefined && NOT_JSON.has(err.code)) {
        metrics.requestsRejected.inc({ reason: 'invalid_json' });
        return reply.code(400).send({ error: 'invalid_json', message: 'the body is not valid JSON' });
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
        if (req.headers.origin && allowedOrigins.has(req.headers.origin)) {
          reply.header('access-control-allow-methods', 'POST, OPTIONS');
          reply.header('access-control-allow-headers', 'content-type, authorization');
          reply.header('access-control-max-age', '86400');
        }
        return reply.code(204).send();
      },
    );

    routes.post(
      '/v1/batch',
      {
        schema: {
          tags: ['tracking'],
          summary: 'A batch of 1 to 1000 events',
          security: [{ writeKey: [] }, {}],
          consumes: ['application/json', 'text/plain'],
          body: BatchBody,
          response: INGEST_RESPONSES,
        },
      },
      (req, reply) => {
        const body = req.body as BatchBody;
        return accept(req, reply, body.batch, body);
      },
    );

    for (const type of ['track', 'page', 'identify'] as const) {
      routes.post(
        `/v1/${type}`,
        {
          schema: {
            tags: ['tracking'],
            summary: `One ${type} event (the type comes from the path)`,
            security: [{ writeKey: [] }, {}],
            consumes: ['application/json', 'text/plain'],
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
              message: `type "${String(body.type)}" sent to /v1/${type}`,
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
