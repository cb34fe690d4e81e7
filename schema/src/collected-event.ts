// The event after the collector accepted it: what goes to Kafka and what the processor reads.
// camelCase like the wire event; the warehouse-style snake_case names appear only in lake-row.ts.
import Type, { type Static } from 'typebox';
import { EventTypeSchema, IsoDateTime, WireContext } from './wire-event.ts';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

// The wire context minus `ip`: a raw IP address never leaves the collector.
const { ip: _rawIp, ...contextProperties } = WireContext.properties;
export const CollectedContext = Type.Object(contextProperties, { additionalProperties: false });

export const Device = Type.Object({
  type: Type.Union([
    Type.Literal('desktop'),
    Type.Literal('mobile'),
    Type.Literal('tablet'),
    Type.Literal('smarttv'),
    Type.Literal('console'),
    Type.Literal('wearable'),
    Type.Literal('embedded'),
    Type.Literal('unknown'),
  ]),
  vendor: Nullable(Type.String()),
  model: Nullable(Type.String()),
});

export const NameVersion = Type.Object({
  name: Nullable(Type.String()),
  version: Nullable(Type.String()),
});

export type Device = Static<typeof Device>;
export type DeviceType = Device['type'];

export type NameVersion = Static<typeof NameVersion>;

export const Geo = Type.Object({
  /** ISO 3166-1 alpha-2, upper case. */
  country: Nullable(Type.String({ minLength: 2, maxLength: 2 })),
  region: Nullable(Type.String()),
  city: Nullable(Type.String()),
});

export type Geo = Static<typeof Geo>;

export const CollectedEvent = Type.Object(
  {
    type: EventTypeSchema,
    /** `track` only: the event name. */
    event: Nullable(Type.String()),
    /** `page` and `screen` only: the page or screen name. */
    name: Nullable(Type.String()),
    messageId: Type.String({ minLength: 1 }),
    anonymousId: Nullable(Type.String()),
    userId: Nullable(Type.String()),
    sessionId: Nullable(Type.String()),
    /**
     * `group` only: the group's id. (Optional, like previousId, so that events produced before the
     * two fields existed, still in Kafka during an upgrade, stay valid: absent means null.)
     */
    groupId: Type.Optional(Nullable(Type.String())),
    /** `alias` only: the previous id merged into `userId`. */
    previousId: Type.Optional(Nullable(Type.String())),
    /** The site the write key belongs to; the key itself is never stored. */
    siteId: Type.String({ minLength: 1 }),
    /** Server clock when the collector received the request. */
    receivedAt: IsoDateTime,
    /**
     * When the event happened, corrected for the client's clock (Segment's rule):
     * `receivedAt - (sentAt - originalTimestamp)`, where the client's `timestamp` stands in for a
     * missing `originalTimestamp` (a `timestamp` sent beside one is taken as is); the client time
     * itself without `sentAt`; `receivedAt` if the client sent no clocks or the result lies in the
     * future (then `futureTimestamp` is true). See collector/src/collect.ts `eventTime`.
     */
    timestamp: IsoDateTime,
    /** The client's clock at creation, uncorrected (`originalTimestamp`, else `timestamp`). */
    originalTimestamp: Nullable(IsoDateTime),
    sentAt: Nullable(IsoDateTime),
    /** True when the client's corrected time was ahead of the server by more than the tolerance. */
    futureTimestamp: Type.Boolean(),
    context: CollectedContext,
    properties: Type.Record(Type.String(), Type.Unknown()),
    traits: Type.Record(Type.String(), Type.Unknown()),
    device: Device,
    browser: NameVersion,
    os: NameVersion,
    geo: Geo,
    isBot: Type.Boolean(),
    /** Anonymised per the collector's IP policy (truncated or salted hash); null when dropped. */
    ip: Nullable(Type.String()),
  },
  { $id: 'CollectedEvent', additionalProperties: false },
);
export type CollectedEvent = Static<typeof CollectedEvent>;
