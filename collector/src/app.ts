// buildApp(config, deps) returns the Fastify instance and never listens (server.ts does), so tests
// drive it with app.inject(). Every accepted event was acknowledged by Kafka before the 2xx.
import {
  type CollectedEvent,
  createAjv,
  partitionKey,
  type ValidationIssue,
  validateWireEvent,
  type WireEvent,
} from '@clickstream/schema';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import Type from 'typebox';
import { collect } from './collect.ts';
import type { CollectorConfig, Site } from './config.ts';
import type { GeoLookup } from './geo.ts';

/** The part of the Kafka producer the collector needs (see @clickstream/infra/kafka EventProducer). */
export interface EventSink {
  send(topic: string, messages: ReadonlyArray<{ key: string; value: string }>): Promise<unknown>;
}

export interface CollectorDeps {
  readonly sink: EventSink;
  readonly geo: GeoLookup;
  /** Whether Kafka is reachable (for /ready). */
  readonly kafkaReady: () => Promise<boolean>;
  readonly now?: () => number;
  readonly logger?: boolean;
}

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

// The batch envelope is checked by the route; each event is then checked on its own so one bad
// event does not sink the others.
const BatchBody = Type.Object({
  batch: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }),
  writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const SingleBody = Type.Record(Type.String(), Type.Unknown());

interface Rejected {
  readonly index: number;
  readonly messageId?: string;
  readonly issues: readonly ValidationIssue[];
}

function basicAuthUser(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user || undefined;
}

export function buildApp(config: CollectorConfig, deps: CollectorDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const sitesByKey = new Map<string, Site>(config.sites.map((s) => [s.writeKey, s]));
  const allowedOrigins = new Set(config.sites.flatMap((s) => s.origins));

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: MAX_BATCH_BYTES,
    trustProxy: config.trustProxy,
    // Request logs would carry raw IPs; the collector logs its own lines instead.
    logController: new LogController({ disableRequestLogging: true }),
  });

  // The contract's own Ajv (no type coercion, no removal of unknown fields) validates route bodies.
  const ajv = createAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Beacons send JSON as text/plain to avoid a CORS preflight.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(
        Object.assign(new Error('body is not valid JSON'), { statusCode: 400, code: 'invalid_json' }),
        undefined,
      );
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.has(origin)) {
      // Reflect the origin (not `*`): beacons are credentialed requests.
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
    }
  });

  app.setErrorHandler(
    (err: Error & { statusCode?: number; code?: string; validation?: unknown[] }, _req, reply) => {
      if (err.validation) {
        const issues = (err.validation as Array<{ instancePath: string; message?: string }>).map((v) => ({
          path: v.instancePath,
          message: v.message ?? 'invalid',
        }));
        return reply
          .code(400)
          .send({ error: 'invalid_body', message: 'the request body does not match the schema', issues });
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .code(413)
          .send({ error: 'too_large', message: `a request body may be at most ${MAX_BATCH_BYTES} bytes` });
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
      }
      app.log.error({ err: err.message }, 'unexpected error');
      return reply.code(500).send({ error: 'internal', message: 'unexpected error' });
    },
  );

  app.options('/v1/*', async (req, reply) => {
    if (req.headers.origin && allowedOrigins.has(req.headers.origin)) {
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, authorization');
      reply.header('access-control-max-age', '86400');
    }
    return reply.code(204).send();
  });

  async function accept(
    req: FastifyRequest,
    reply: FastifyReply,
    events: readonly unknown[],
    envelope: { writeKey?: string | undefined; sentAt?: string | undefined; context?: unknown },
  ) {
    const requestKey = basicAuthUser(req.headers.authorization) ?? envelope.writeKey;
    const receivedAt = now();
    const accepted: CollectedEvent[] = [];
    const rejected: Rejected[] = [];
    for (const [index, raw] of events.entries()) {
      const messageId =
        typeof raw === 'object' &&
        raw !== null &&
        typeof (raw as { messageId?: unknown }).messageId === 'string'
          ? (raw as { messageId: string }).messageId
          : undefined;
      const reject = (issues: ValidationIssue[]) => {
        rejected.push({ index, ...(messageId ? { messageId } : {}), issues });
      };
      if (Buffer.byteLength(JSON.stringify(raw ?? null)) > MAX_EVENT_BYTES) {
        reject([{ path: '', message: `event is larger than ${MAX_EVENT_BYTES} bytes` }]);
        continue;
      }
      const result = validateWireEvent(raw);
      if (!result.ok) {
        reject([...result.issues]);
        continue;
      }
      const wire: WireEvent = result.value;
      const key = wire.writeKey ?? requestKey;
      const site = key === undefined ? undefined : sitesByKey.get(key);
      if (!site) {
        reject([
          { path: '/writeKey', message: key === undefined ? 'write key is required' : 'unknown write key' },
        ]);
        continue;
      }
      accepted.push(
        collect(
          wire,
          {
            receivedAt,
            ip: req.ip,
            userAgentHeader: req.headers['user-agent'],
            siteId: site.siteId,
            batchSentAt: envelope.sentAt,
            batchContext: envelope.context as WireEvent['context'],
          },
          config,
          deps.geo,
        ),
      );
    }

    if (accepted.length === 0) {
      const keyProblem = rejected.every((r) => r.issues.every((i) => i.path === '/writeKey'));
      return reply.code(keyProblem ? 401 : 400).send({
        error: keyProblem ? 'unauthorized' : 'invalid_events',
        message: keyProblem
          ? 'a known write key is required (body writeKey or HTTP Basic user)'
          : 'no valid event',
        accepted: 0,
        rejected,
      });
    }
    try {
      await deps.sink.send(
        config.topics.events,
        accepted.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
      );
    } catch (err) {
      // Never a false 2xx: the client keeps the events and retries.
      app.log.warn(
        { err: err instanceof Error ? err.message : String(err), events: accepted.length },
        'kafka produce failed',
      );
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply
        .code(503)
        .send({ error: 'unavailable', message: 'events could not be stored; retry later' });
    }
    return reply.code(200).send({ accepted: accepted.length, rejected });
  }

  app.post('/v1/batch', { schema: { body: BatchBody } }, (req, reply) => {
    const body = req.body as Type.Static<typeof BatchBody>;
    return accept(req, reply, body.batch, body);
  });

  for (const type of ['track', 'page', 'identify'] as const) {
    app.post(`/v1/${type}`, { schema: { body: SingleBody } }, (req, reply) => {
      const body = req.body as Record<string, unknown>;
      if (body.type !== undefined && body.type !== type) {
        return reply.code(400).send({
          error: 'invalid_body',
          message: `type "${String(body.type)}" sent to /v1/${type}`,
          issues: [{ path: '/type', message: `must be "${type}" on this endpoint` }],
        });
      }
      const event = { ...body, type };
      return accept(req, reply, [event], { writeKey: body.writeKey as string | undefined });
    });
  }

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const ready = await deps.kafkaReady().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'kafka unreachable' });
  });

  return app;
}
