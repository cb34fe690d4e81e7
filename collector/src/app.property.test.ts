// Property: whatever arrives (mutated golden fixtures of every call type on long and short paths,
// random JSON, wrong content types and charsets, gzip/deflate/br bodies, corrupt ones and zip bombs,
// huge strings, deep nesting, prototype-pollution keys, garbage IPs and headers), the collector answers
// 2xx or 4xx, never 5xx except 503 when it sheds load; only valid collected events reach the events
// topic, and dead letters carry a known reason and neither an IP nor a write key; and afterwards it
// is healthy with nothing left in flight.
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { DEAD_LETTER_HEADERS, validateCollectedEvent } from '@clickstream/schema';
import { validWireEvents } from '@clickstream/schema/fixtures';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BATCH_PATHS, buildApp, type EventSink, SINGLE_EVENT_PATHS } from './app.ts';
import { DEMO_SITE, readCollectorConfig } from './config.ts';
import { openGeoDatabase } from './geo.ts';

const RUNS = 4000;
const fixtures = Object.values(validWireEvents);

// --- values that tend to break things -------------------------------------------------------

const dangerousKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  '$ref',
  'then',
);
const fieldName = fc.constantFrom(
  'type',
  'event',
  'name',
  'messageId',
  'anonymousId',
  'userId',
  'sessionId',
  'writeKey',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'context',
  'properties',
  'traits',
  'ip',
  'userAgent',
  'page',
  'screen',
  'width',
  'library',
);
const anyKey = fc.oneof(dangerousKey, fieldName, fc.string({ maxLength: 12 }));

/** A nested array or object `depth` levels deep (built without recursion). */
function nested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-11-24T10:00:00Z',
      '2026-13-45T25:61:61Z',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2026-11-24T10:00:00+23:59',
      '::ffff:81.2.69.142',
      '999.1.1.1',
      'fe80::1%eth0',
      -0,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      '\u0000',
      '\ud800',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 70_000 }).map((n) => 'x'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom('array' as const, 'object' as const))
      .map(([d, k]) => nested(d, k)),
  },
);

/** Sets an own property even for `__proto__` (plain assignment would change the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every object inside `root` with its path, so mutations can reach nested fields. */
function objectsIn(root: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (!Array.isArray(v)) out.push(v as Record<string, unknown>);
    todo.push(...Object.values(v));
  }
  return out;
}

type Mutation = { op: 'set' | 'delete' | 'add'; at: number; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('set' as const, 'delete' as const, 'add' as const),
  at: fc.nat(),
  key: anyKey,
  value: weirdValue,
});

/** A golden fixture with 0 to 4 mutations anywhere inside it. */
const mutatedEvent: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 4 })),
  )
  .map(([fixture, mutations]) => {
    const event = structuredClone(fixture) as unknown as Record<string, unknown>;
    for (const m of mutations) {
      const targets = objectsIn(event);
      const target = targets[m.at % targets.length]!;
      const keys = Object.keys(target);
      const existing = keys.length > 0 ? keys[m.at % keys.length]! : m.key;
      if (m.op === 'delete') delete target[existing];
      else define(target, m.op === 'set' ? existing : m.key, m.value);
    }
    return event;
  });

// --- whole requests ---------------------------------------------------------------------------

type Encoding = 'none' | 'gzip' | 'deflate' | 'br' | 'claims-gzip' | 'zstd';

interface Request {
  method: 'POST' | 'GET' | 'PUT' | 'OPTIONS' | 'DELETE';
  target: [url: string, payload: Payload];
  /** How the body is sent: as is, compressed (and said so), said to be gzip but not, or unsupported. */
  encoding: Encoding;
  headers: Record<string, string>;
  remoteAddress: string;
}

const COMPRESS = {
  gzip: gzipSync,
  deflate: deflateSync,
  // Brotli's default quality (11) takes about a second per 500 KB body; what is sent matters, not how well.
  br: (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
} as const;

/** The payload and headers as sent, after the request's Content-Encoding. */
function encode(r: Request): { payload: string | Buffer | undefined; headers: Record<string, string> } {
  const [, payload] = r.target;
  if (typeof payload === 'object' && payload !== null && 'bomb' in payload)
    return { payload: payload.bomb, headers: { ...r.headers, 'content-encoding': 'gzip' } };
  if (payload === undefined || r.encoding === 'none') return { payload, headers: r.headers };
  if (r.encoding === 'claims-gzip' || r.encoding === 'zstd')
    return {
      payload,
      headers: { ...r.headers, 'content-encoding': r.encoding === 'zstd' ? 'zstd' : 'gzip' },
    };
  return {
    payload: COMPRESS[r.encoding](typeof payload === 'string' ? Buffer.from(payload) : payload),
    headers: { ...r.headers, 'content-encoding': r.encoding },
  };
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

/** A body, or a gzip bomb (sent with `Content-Encoding: gzip` whatever the request's encoding). */
type Payload = string | Buffer | undefined | { readonly bomb: Buffer };
const INGEST_URLS = [...BATCH_PATHS, ...SINGLE_EVENT_PATHS.map(([path]) => path)];
const anyUrl = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...INGEST_URLS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/v1/m',
      '/v1/x',
      '/v1/',
      '/v1/batch?x=1&x=2',
      '/v1/%zz',
      '/v1//batch',
      '/health',
    ),
  },
);
/** 8 MB of zeros inside a JSON string, in about 8 KB of gzip. */
const ZIP_BOMB = gzipSync(
  `{"writeKey":"demo-shop-key","batch":[{"type":"page","messageId":"m","anonymousId":"a","name":"${'0'.repeat(8 * 1024 * 1024)}"}]}`,
  { level: 9 },
);
/** Mostly the URL the payload was made for, sometimes any other. */
const aimedAt = (url: fc.Arbitrary<string>, payload: fc.Arbitrary<Payload>) =>
  fc.tuple(fc.oneof({ weight: 9, arbitrary: url }, { weight: 1, arbitrary: anyUrl }), payload);

const goodContext = fc.constantFrom(
  {},
  { library: { name: 'analytics-node', version: '3.1.0' } },
  { locale: 'de-DE', page: { path: '/x' } },
  { ip: '81.2.69.142' },
  { ip: '2001:db8::1' },
  { ip: '999.1.1.1' },
);

const target: fc.Arbitrary<[string, Payload]> = fc.oneof(
  // A batch of mutated events, with or without a (maybe wrong) write key and envelope fields, to
  // either batch path (so each gets many accepted batches, not the few a random URL gives).
  {
    weight: 8,
    arbitrary: aimedAt(
      fc.constantFrom(...BATCH_PATHS),
      fc
        .record(
          {
            batch: fc.array(mutatedEvent, { minLength: 0, maxLength: 6 }),
            writeKey: fc.oneof(
              { weight: 4, arbitrary: fc.constant('demo-shop-key') },
              // A server-side site that trusts context.ip (dead letters when it is not an IP).
              { weight: 2, arbitrary: fc.constant('server-key') },
              { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
              { weight: 1, arbitrary: weirdValue },
            ),
            sentAt: fc.oneof(
              { weight: 4, arbitrary: fc.constant('2026-11-24T10:20:00.100Z') },
              { weight: 1, arbitrary: weirdValue },
            ),
            context: fc.oneof({ weight: 4, arbitrary: goodContext }, { weight: 1, arbitrary: weirdValue }),
          },
          { requiredKeys: ['batch'] },
        )
        .map((b) => JSON.stringify(b)),
    ),
  },
  // A server-side site that trusts context.ip, with IPs and things that are not: dead letters.
  {
    weight: 2,
    arbitrary: aimedAt(
      fc.constantFrom(...BATCH_PATHS),
      fc
        .record({
          batch: fc.array(mutatedEvent, { minLength: 1, maxLength: 4 }),
          context: fc.record({
            ip: fc.oneof(
              fc.ipV4(),
              fc.ipV6(),
              fc.constantFrom('999.1.1.1', 'unknown', '', '81.2.69.142, 10.0.0.1', 'fe80::1%eth0'),
              fc.string({ maxLength: 20 }),
            ),
          }),
        })
        // The key on each event: it wins over the generated Authorization header.
        .map(({ batch, context }) =>
          JSON.stringify({
            context,
            batch: batch.map((e) =>
              typeof e === 'object' && e !== null && !Array.isArray(e) ? { ...e, writeKey: 'server-key' } : e,
            ),
          }),
        ),
    ),
  },
  // One event, sent to the endpoint of its type, long or short form (a wrong or missing type to any).
  {
    weight: 4,
    arbitrary: mutatedEvent.chain((e) => {
      const type = (e as { type?: unknown }).type;
      const own = SINGLE_EVENT_PATHS.filter(([, t]) => t === type).map(([path]) => path);
      return aimedAt(own.length > 0 ? fc.constantFrom(...own) : anyUrl, fc.constant(JSON.stringify(e)));
    }),
  },
  // An unmutated event of each call type with a good write key, to its own path in long or short
  // form: every path gets accepted events, not only the few that survive mutation (the alias,
  // group and screen fixtures carry no write key of their own).
  {
    weight: 2,
    arbitrary: fc.constantFrom(...SINGLE_EVENT_PATHS).chain(([path, type]) =>
      aimedAt(
        fc.constant(path),
        fc
          .constantFrom(...fixtures.filter((f) => f.type === type))
          .map((f) => JSON.stringify({ ...f, writeKey: 'demo-shop-key' })),
      ),
    ),
  },
  // A zip bomb: small on the wire, far above the body limit once inflated.
  { weight: 1, arbitrary: aimedAt(fc.constantFrom(...BATCH_PATHS), fc.constant({ bomb: ZIP_BOMB })) },
  // Prototype pollution spelled out in the text (JSON.stringify would not write these).
  {
    weight: 1,
    arbitrary: aimedAt(
      fc.constant('/v1/batch'),
      fc
        .tuple(mutatedEvent, fc.constantFrom('__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 }))
        .map(
          ([e, key, v]) =>
            `{"batch":[${JSON.stringify(e).replace(/^\{/, `{"${key}":${key === 'constructor' ? `{"prototype":${JSON.stringify(v)}}` : JSON.stringify(v)},`)}],"writeKey":"demo-shop-key"}`,
        ),
    ),
  },
  // Random JSON, random text, random bytes, nothing.
  {
    weight: 3,
    arbitrary: fc.tuple(
      anyUrl,
      fc.oneof(
        { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    ),
  },
  // A valid batch cut anywhere.
  {
    weight: 1,
    arbitrary: aimedAt(
      fc.constant('/v1/batch'),
      fc.tuple(mutatedEvent, fc.nat()).map(([e, n]) => {
        const text = JSON.stringify({ batch: [e], writeKey: 'demo-shop-key' });
        return text.slice(0, n % text.length);
      }),
    ),
  },
  // Deep nesting as text, deeper than any recursive parser or serializer likes.
  {
    weight: 1,
    arbitrary: aimedAt(
      fc.constant('/v1/batch'),
      fc.integer({ min: 1000, max: 200_000 }).map((d) => {
        const open = '{"a":'.repeat(d);
        return `{"batch":[{"type":"track","event":"x","messageId":"m","anonymousId":"a","writeKey":"demo-shop-key","properties":${open}1${'}'.repeat(d)}}]}`;
      }),
    ),
  },
  // Near and above the body limit.
  {
    weight: 1,
    arbitrary: aimedAt(
      fc.constant('/v1/batch'),
      fc
        .integer({ min: 400_000, max: 600_000 })
        .map((n) => JSON.stringify({ batch: [{ ...fixtures[0], properties: { s: 'x'.repeat(n) } }] })),
    ),
  },
);

const request: fc.Arbitrary<Request> = fc.record({
  method: fc.oneof(
    { weight: 12, arbitrary: fc.constant('POST' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('GET' as const, 'PUT' as const, 'OPTIONS' as const, 'DELETE' as const),
    },
  ),
  target,
  encoding: fc.oneof(
    { weight: 12, arbitrary: fc.constant('none' as const) },
    { weight: 4, arbitrary: fc.constantFrom('gzip' as const, 'deflate' as const, 'br' as const) },
    { weight: 1, arbitrary: fc.constantFrom('claims-gzip' as const, 'zstd' as const) },
  ),
  headers: fc
    .record(
      {
        'content-type': fc.oneof(
          {
            weight: 8,
            arbitrary: fc.constantFrom(
              'application/json',
              'application/json; charset=utf-8',
              'text/plain',
              'text/plain;charset=UTF-8',
              'application/x-www-form-urlencoded',
            ),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'TEXT/PLAIN',
              'application/json; charset=latin1',
              'text/plain; charset=utf-16',
              'application/octet-stream',
              'multipart/form-data; boundary=x',
              'application/xml',
              '',
            ),
          },
        ),
        authorization: fc.oneof(
          fc.constant(basic('demo-shop-key')),
          fc.string({ maxLength: 30 }).map(basic),
          fc.string({ maxLength: 30 }).map((s) => `Basic ${s}`),
        ),
        'user-agent': fc.oneof(
          fc.constant('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36'),
          fc.string({ maxLength: 2000 }),
        ),
        origin: fc.constantFrom('http://localhost:8080', 'https://evil.example', 'null'),
        'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 40 })),
      },
      { requiredKeys: ['content-type'] },
    )
    // Header values must be plain visible text; control characters are refused before any app.
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\x20-\x7e]*$/.test(v)))),
  remoteAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('127.0.0.1')),
});

/** fast-check's own report prints whole counterexamples (a 500 KB body); this one cuts them short. */
function shortReport<T>(run: fc.RunDetails<T>): void {
  if (!run.failed) return;
  const example = JSON.stringify(run.counterexample, (_k, v) =>
    typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}...(${v.length} chars)` : v,
  );
  throw new Error(
    `property failed after ${run.numRuns} runs (seed ${run.seed}, path "${run.counterexamplePath}"): ` +
      `${run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance)}\n` +
      `counterexample: ${example.slice(0, 3000)}`,
  );
}

describe('the collector under arbitrary input (property)', () => {
  // Rate limits off (the generator would just hit them); at most one event in flight, a sink that
  // acknowledges a millisecond later and requests started one turn of the event loop apart, so a
  // later request of a batch meets the events of an earlier one in flight and is shed (503).
  const sent: Array<{ topic: string; value: string; headers?: Readonly<Record<string, string>> }> = [];
  let deadLetters = 0;
  const sink: EventSink = {
    send: (topic, messages) =>
      new Promise((resolve) =>
        setTimeout(() => {
          for (const m of messages) sent.push({ topic, ...m });
          resolve(undefined);
        }, 1),
      ),
  };
  const app = buildApp(
    readCollectorConfig({
      TOPIC_PREFIX: 'prop',
      COLLECTOR_SITES: JSON.stringify([
        DEMO_SITE,
        { siteId: 'server', writeKey: 'server-key', trustContextIp: true },
      ]),
      TRUST_PROXY: 'true',
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_KEY_PER_MINUTE: '0',
      MAX_PENDING_EVENTS: '1',
    }),
    { sink, geo: openGeoDatabase(), kafkaReady: async () => true },
  );
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  afterAll(() => app.close());

  it('answers 2xx or 4xx (or 503 when shedding), sends only valid events, and stays healthy', async () => {
    const statuses = new Map<number, number>();
    // 2xx answers per encoding and per path: compressed bodies and every path really got through.
    const okBy = new Map<string, number>();
    const countOk = (key: string) => okBy.set(key, (okBy.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 4 }), async (requests) => {
        sent.length = 0;
        const pending = [];
        for (const r of requests) {
          const { payload, headers } = encode(r);
          pending.push(
            app.inject({
              method: r.method,
              url: r.target[0],
              payload,
              headers,
              remoteAddress: r.remoteAddress,
            }),
          );
          await new Promise((resolve) => setImmediate(resolve));
        }
        const responses = await Promise.all(pending);
        for (const [i, res] of responses.entries()) {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode === 200) {
            countOk(requests[i]!.encoding);
            countOk(requests[i]!.target[0]);
          }
          const ok =
            (res.statusCode >= 200 && res.statusCode < 500) ||
            (res.statusCode === 503 && res.json().error === 'overloaded');
          if (!ok) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 300)}`);
        }
        for (const { topic, value, headers } of sent) {
          if (topic === 'prop.events') {
            const check = validateCollectedEvent(JSON.parse(value));
            if (!check.ok) throw new Error(`invalid event reached the sink: ${JSON.stringify(check.issues)}`);
            continue;
          }
          deadLetters++;
          const reason = headers?.[DEAD_LETTER_HEADERS.reason];
          const dead = JSON.parse(value);
          if (
            topic !== 'prop.events.dead-letter' ||
            !['invalid-context-ip', 'enrichment-failed'].includes(reason ?? '') ||
            dead.writeKey !== undefined ||
            dead.context?.ip !== undefined
          )
            throw new Error(`bad dead letter on ${topic} (${reason}): ${value.slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS, reporter: shortReport },
    );

    // Every kind of answer came up, shedding included (otherwise the generators are too tame).
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(100);
    console.log(`statuses: ${JSON.stringify([...statuses].sort())}`);
    for (const status of [401, 404, 413, 415, 503])
      expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    console.log(`accepted by encoding and path: ${JSON.stringify([...okBy].sort())}`);
    for (const key of ['gzip', 'deflate', 'br', ...INGEST_URLS])
      expect(okBy.get(key) ?? 0, key).toBeGreaterThan(0);
    console.log(`property: ${deadLetters} dead letters`);
    expect(deadLetters).toBeGreaterThan(0);

    expect((await app.inject('/health')).statusCode).toBe(200);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('collector_http_requests_in_flight 1\n');
    expect(metrics).toContain('collector_events_pending 0\n');
    // Nothing was added to Object.prototype.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 180_000); // ~30 s alone; minutes when the machine is shared
});
