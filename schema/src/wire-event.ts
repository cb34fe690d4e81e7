// The event the browser SDK (or any Segment-compatible client) sends to the collector.
// Shaped like the Segment spec so that Segment's own libraries can post to us unchanged.
// Unknown properties are allowed on purpose: Segment clients send fields we do not model
// (`integrations`, `_metadata`, `context.app`, ...) and rejecting them would break compatibility.
// The collector keeps only the fields modelled here; see collected-event.ts.
import Type, { type Static } from 'typebox';

/** Longest accepted identifier (messageId, anonymousId, userId, sessionId). */
export const MAX_ID_LENGTH = 128;
/** Longest accepted URL-like string (page url, referrer). */
export const MAX_URL_LENGTH = 4096;

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });
const Text = (maxLength: number) => Type.String({ maxLength });
/** ISO 8601 date-time with a zone (RFC 3339), as `Date.prototype.toISOString()` writes it. */
export const IsoDateTime = Type.String({ format: 'date-time', maxLength: 64 });

export const PageContext = Type.Object({
  path: Type.Optional(Text(MAX_URL_LENGTH)),
  referrer: Type.Optional(Text(MAX_URL_LENGTH)),
  search: Type.Optional(Text(MAX_URL_LENGTH)),
  title: Type.Optional(Text(1024)),
  url: Type.Optional(Text(MAX_URL_LENGTH)),
});

export const CampaignContext = Type.Object({
  name: Type.Optional(Text(512)),
  source: Type.Optional(Text(512)),
  medium: Type.Optional(Text(512)),
  term: Type.Optional(Text(512)),
  content: Type.Optional(Text(512)),
});

export const ScreenContext = Type.Object({
  width: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  height: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  density: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
});

export const LibraryContext = Type.Object({
  name: Text(128),
  version: Text(64),
});

export const WireContext = Type.Object({
  page: Type.Optional(PageContext),
  campaign: Type.Optional(CampaignContext),
  /** Ad click identifiers found on the landing URL, e.g. `{ gclid: "..." }`. */
  clickIds: Type.Optional(Type.Record(Type.String(), Text(512))),
  userAgent: Type.Optional(Text(1024)),
  locale: Type.Optional(Text(64)),
  timezone: Type.Optional(Text(64)),
  screen: Type.Optional(ScreenContext),
  library: Type.Optional(LibraryContext),
  /** Sent by server-side clients only; browsers' IPs come from the connection. */
  ip: Type.Optional(Text(64)),
  traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** The call types of the Segment spec. A `screen` is a mobile app's page view (counted apart). */
export const EventTypeSchema = Type.Union([
  Type.Literal('track'),
  Type.Literal('page'),
  Type.Literal('screen'),
  Type.Literal('identify'),
  Type.Literal('group'),
  Type.Literal('alias'),
]);
export type EventType = Static<typeof EventTypeSchema>;

export const WireEvent = Type.Object(
  {
    type: EventTypeSchema,
    /** Name of a `track` event, e.g. "Product Viewed". */
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Name of a `page` view or a `screen` (optional, e.g. "Product"). */
    name: Type.Optional(Text(200)),
    /** Unique per event; the pipeline deduplicates on it. The SDK sends a UUID. */
    messageId: Id,
    anonymousId: Type.Optional(Id),
    userId: Type.Optional(Type.Union([Id, Type.Null()])),
    /** `group`: the account, company or team the user joins. */
    groupId: Type.Optional(Id),
    /** `alias`: the user's previous id (an anonymous id or an earlier user id), merged into `userId`. */
    previousId: Type.Optional(Id),
    /** Set by our SDK (30 min inactivity, 24 h cap); absent from plain Segment clients. */
    sessionId: Type.Optional(Id),
    /** The site's write key; may instead come as the HTTP Basic user. */
    writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Client clock when the event was created. */
    originalTimestamp: Type.Optional(IsoDateTime),
    /**
     * Segment's libraries (analytics-next, analytics-node) send their clock at creation here instead
     * of in `originalTimestamp`; the collector corrects either with `sentAt` (see collect.ts).
     */
    timestamp: Type.Optional(IsoDateTime),
    /** Client clock when the event (or its batch) was sent; used to correct clock skew. */
    sentAt: Type.Optional(IsoDateTime),
    context: Type.Optional(WireContext),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    $id: 'WireEvent',
    // Rules JSON Schema expresses beside the shape: a track needs its name, a group its id, an
    // alias the two ids it joins (Segment spec), and every event needs someone to attribute it to.
    allOf: [
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable.
      { if: { properties: { type: { const: 'track' } } }, then: { required: ['event'] } },
      // biome-ignore lint/suspicious/noThenProperty: as above.
      { if: { properties: { type: { const: 'group' } } }, then: { required: ['groupId'] } },
      {
        if: { properties: { type: { const: 'alias' } } },
        // biome-ignore lint/suspicious/noThenProperty: as above.
        then: { required: ['previousId', 'userId'], properties: { userId: { type: 'string' } } },
      },
      { anyOf: [{ required: ['anonymousId'] }, { required: ['userId'] }] },
    ],
  },
);
export type WireEvent = Static<typeof WireEvent>;

/** `POST /v1/batch` body: Segment's batch envelope. */
export const WireBatch = Type.Object(
  {
    batch: Type.Array(WireEvent, { minItems: 1, maxItems: 1000 }),
    writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    sentAt: Type.Optional(IsoDateTime),
    context: Type.Optional(WireContext),
  },
  { $id: 'WireBatch' },
);
export type WireBatch = Static<typeof WireBatch>;
