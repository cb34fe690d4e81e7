// The collector's HTTP surface as schemas: request bodies (validated by the routes), responses
// (serialized by Fastify and documented), and the OpenAPI document @fastify/swagger builds from
// them, served at GET /openapi.json. The document is generated from the routes, never written by hand.

import { WireEvent } from '@clickstream/schema';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

export const MAX_BATCH_EVENTS = 1000;

// The batch envelope is checked by the route; each event is then checked on its own (against
// WireEvent) so one bad event does not sink the others.
export const BatchBody = Type.Object(
  {
    batch: Type.Array(Type.Unknown({ description: 'a WireEvent (components/schemas/WireEvent)' }), {
      minItems: 1,
      maxItems: MAX_BATCH_EVENTS,
    }),
    writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    sentAt: Type.Optional(Type.String({ format: 'date-time' })),
    context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: "Segment's batch envelope; events inherit its writeKey, sentAt and context" },
);
export type BatchBody = Type.Static<typeof BatchBody>;

export const SingleBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'one WireEvent (components/schemas/WireEvent); `type` may be left out',
});

const WIRE_EVENT_REF = { $ref: '#/components/schemas/WireEvent' };

/**
 * The batch envelope as documented: its items are WireEvents. (The route validates the items one
 * by one instead, so that one bad event does not sink the others, hence `Unknown` in BatchBody.)
 */
const BatchBodyDocumented = {
  ...BatchBody,
  properties: {
    ...BatchBody.properties,
    batch: { ...BatchBody.properties.batch, items: WIRE_EVENT_REF },
  },
};

/** Route `config` that documents the batch route's body with typed items. */
const documentBatchItems: SwaggerTransform = ({ schema, url }) => ({
  schema: { ...schema, body: BatchBodyDocumented },
  url,
});
export const DOCUMENT_BATCH_ITEMS = { swaggerTransform: documentBatchItems };

const Issue = Type.Object({ path: Type.String(), message: Type.String() });
const Rejected = Type.Object({
  index: Type.Integer({ description: 'position in the batch' }),
  messageId: Type.Optional(Type.String()),
  issues: Type.Array(Issue),
});

const DeadLettered = Type.Object({
  index: Type.Integer({ description: 'position in the batch' }),
  messageId: Type.String(),
  reason: Type.Union([Type.Literal('invalid-context-ip'), Type.Literal('enrichment-failed')]),
  detail: Type.String(),
});

const Accepted = Type.Object(
  {
    accepted: Type.Integer(),
    rejected: Type.Array(Rejected),
    deadLettered: Type.Optional(
      Type.Array(DeadLettered, {
        description:
          'valid events that failed an enrichment rule: stored on the dead-letter topic (do not resend); present only when not empty',
      }),
    ),
  },
  {
    description:
      'Kafka acknowledged every accepted and dead-lettered event; invalid ones are listed in `rejected`',
  },
);

const ErrorBody = (description: string) =>
  Type.Object(
    {
      error: Type.String(),
      message: Type.String(),
      issues: Type.Optional(Type.Array(Issue)),
      accepted: Type.Optional(Type.Integer()),
      rejected: Type.Optional(Type.Array(Rejected)),
    },
    { description },
  );

/** Responses of every POST /v1/* route. */
export const INGEST_RESPONSES = {
  200: Accepted,
  400: ErrorBody(
    'invalid_body, invalid_json, invalid_utf8 (bytes that are not UTF-8), invalid_encoding (not valid data for its Content-Encoding) or invalid_events (no valid event)',
  ),
  401: ErrorBody('unauthorized: no known write key (body writeKey or HTTP Basic user)'),
  413: ErrorBody('too_large: the body is above 500 KB (after decoding, for a compressed body)'),
  415: ErrorBody(
    'unsupported_media_type: a content type other than JSON, text/plain or form-urlencoded JSON, a charset other than UTF-8, or a Content-Encoding other than gzip, deflate or br; the message names it',
  ),
  429: ErrorBody('rate_limited: per-IP or per-write-key budget used up; see Retry-After'),
  503: ErrorBody('unavailable (Kafka did not acknowledge) or overloaded (load shedding); see Retry-After'),
};

export const Status = Type.Object({ status: Type.String() });

/**
 * Registers @fastify/swagger; it must come before the routes it documents (it watches routes as
 * they are added). The WireEvent contract is published as a component.
 */
export function registerOpenApi(app: FastifyInstance, version: string): void {
  const { $id: _id, ...wireEvent } = WireEvent as typeof WireEvent & { $id?: string };
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'clickstream collector',
        version,
        description:
          'Segment-compatible HTTP tracking API. A 2xx means Kafka acknowledged the events (acks=all).',
      },
      components: {
        securitySchemes: {
          writeKey: {
            type: 'http',
            scheme: 'basic',
            description: 'the write key as the user, empty password (or `writeKey` in the body)',
          },
        },
        schemas: { WireEvent: wireEvent as Record<string, unknown> },
      },
      tags: [
        { name: 'tracking', description: 'events in' },
        { name: 'operations', description: 'health, readiness, metrics, this document' },
      ],
    },
  });
}
