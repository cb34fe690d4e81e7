import { DEAD_LETTER_HEADERS, validateCollectedEvent } from '@clickstream/schema';
import { collectedEvents, invalidWireEvents, validWireEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { BATCH_PATHS, buildApp, type EventSink, SINGLE_EVENT_PATHS } from './app.ts';
import { DEMO_SITE, readCollectorConfig } from './config.ts';
import type { GeoLookup } from './geo.ts';

const NOW = Date.parse('2026-11-24T10:20:02.600Z');
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const geo: GeoLookup = (ip) =>
  ip === '81.2.69.142'
    ? { country: 'GB', region: 'England', city: 'London' }
    : { country: null, region: null, city: null };

function setup(
  env: Record<string, string> = {},
  sink?: EventSink,
  geoLookup: GeoLookup = geo,
  now: () => number = () => NOW,
) {
  const sent: Array<{ topic: string; key: string; value: string; headers?: Record<string, string> }> = [];
  const app = buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit', ...env }), {
    sink: sink ?? {
      send: async (topic, messages) => {
        for (const m of messages) sent.push({ topic, ...m });
      },
    },
    geo: geoLookup,
    kafkaReady: async () => true,
    now,
  });
  return { app, sent, events: () => sent.map((s) => JSON.parse(s.value)) };
}

const pageView = validWireEvents['page-view']!;
const order = validWireEvents['order-completed']!;

describe('POST /v1/batch', () => {
  it('accepts valid events only after the sink took them, keyed by anonymousId', async () => {
    const { app, sent, events } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [pageView, order], writeKey: 'demo-shop-key' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, rejected: [] });
    expect(sent.map((s) => [s.topic, s.key])).toEqual([
      ['unit.events', pageView.anonymousId],
      ['unit.events', order.anonymousId],
    ]);
    for (const e of events()) expect(validateCollectedEvent(e).ok).toBe(true);
    expect(events()[0]).toMatchObject({
      siteId: 'demo-shop',
      messageId: pageView.messageId,
      receivedAt: '2026-11-24T10:20:02.600Z',
    });
  });

  it('takes JSON sent as text/plain (beacons)', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ batch: [pageView], writeKey: 'demo-shop-key' }),
    });
    expect(res.json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('says per event what was rejected and why, and keeps the rest', async () => {
    const { app, sent } = setup();
    const bad = invalidWireEvents['track-without-event']!.event;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [pageView, bad], writeKey: 'demo-shop-key' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 1,
      rejected: [{ index: 1, messageId: 'm1', issues: [{ path: '/event', message: 'is required' }] }],
    });
    expect(sent).toHaveLength(1);
  });

  it.each(Object.entries(invalidWireEvents))(
    'rejects %s with 400 naming the field',
    async (_name, fixture) => {
      const { app } = setup();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: { batch: [fixture.event], writeKey: 'demo-shop-key' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().rejected[0].issues[0].path).toBe(fixture.expect.path);
    },
  );

  it('rejects malformed JSON and a bad envelope with 400', async () => {
    const { app } = setup();
    const broken = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'text/plain' },
      payload: '{"batch":[',
    });
    expect(broken.statusCode).toBe(400);
    const empty = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: 'invalid_body', issues: [{ path: '/batch' }] });
  });

  it('needs a known write key: in the body or as HTTP Basic user', async () => {
    const { app } = setup();
    const none = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [{ ...pageView, writeKey: undefined }] },
    });
    expect(none.statusCode).toBe(401);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [{ ...pageView, writeKey: 'nope' }] },
    });
    expect(wrong.statusCode).toBe(401);
    const basic = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from('demo-shop-key:').toString('base64')}` },
      payload: { batch: [{ ...pageView, writeKey: undefined }] },
    });
    expect(basic.statusCode).toBe(200);
  });

  it('answers 503 with Retry-After, never 2xx, when Kafka does not acknowledge', async () => {
    const { app } = setup({}, { send: async () => Promise.reject(new Error('broker down')) });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [pageView], writeKey: 'demo-shop-key' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('answers 413 above 500 KB and rejects single events above 32 KB', async () => {
    const { app } = setup();
    const big = { ...pageView, properties: { blob: 'x'.repeat(40 * 1024) } };
    const one = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [big], writeKey: 'demo-shop-key' },
    });
    expect(one.statusCode).toBe(400);
    expect(one.json().rejected[0].issues[0].message).toMatch(/larger than 32768 bytes/);
    const huge = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: Array(15).fill(big), writeKey: 'demo-shop-key' },
    });
    expect(huge.statusCode).toBe(413);
  });
});

describe('hostile input (cases the property test found)', () => {
  it('rejects an event nested deeper than 32 levels without overflowing the stack', async () => {
    const { app, sent } = setup();
    const depth = 50_000; // 300 KB of braces
    const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'application/json' },
      payload: `{"writeKey":"demo-shop-key","batch":[${JSON.stringify(pageView)},{"type":"track","event":"x","messageId":"m","anonymousId":"a","properties":${deep}}]}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 1,
      rejected: [
        { index: 1, messageId: 'm', issues: [{ path: '', message: 'event nests deeper than 32 levels' }] },
      ],
    });
    expect(sent).toHaveLength(1);
  });

  it('validates the batch context as part of each event, and keeps only modelled context fields', async () => {
    const { app, events } = setup();
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [pageView], writeKey: 'demo-shop-key', context: { ip: 5 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().rejected[0].issues[0].path).toBe('/context/ip');
    const extra = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: {
        batch: [{ ...pageView, context: { locale: 'de-DE', app: { name: 'x' } } }],
        writeKey: 'demo-shop-key',
        context: { timezone: 'Europe/Berlin', '': false },
      },
    });
    expect(extra.statusCode).toBe(200);
    expect(Object.keys(events()[0].context).sort()).toEqual(['locale', 'timezone', 'userAgent']);
    expect(events()[0].context).toMatchObject({ locale: 'de-DE', timezone: 'Europe/Berlin' });
    expect(validateCollectedEvent(events()[0]).ok).toBe(true);
  });
});

describe('enrichment', () => {
  it('parses the User-Agent, corrects the clock, looks up geo and never stores the raw IP', async () => {
    const { app, sent, events } = setup();
    const wire = { ...order, context: { ...order.context, userAgent: IPHONE } };
    await app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: '81.2.69.142',
      payload: { batch: [wire], writeKey: 'demo-shop-key' },
    });
    // originalTimestamp 10:20:00.000, sentAt 10:20:00.100 -> 100 ms before receipt.
    expect(events()[0]).toMatchObject({
      timestamp: '2026-11-24T10:20:02.500Z',
      futureTimestamp: false,
      device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
      browser: { name: 'Mobile Safari', version: '17.0' },
      os: { name: 'iOS', version: '17.0' },
      geo: { country: 'GB', region: 'England', city: 'London' },
      isBot: false,
      ip: '81.2.69.0',
    });
    expect(sent[0]?.value).not.toContain('81.2.69.142');
  });

  it('honours the IP policy: hash with a salt, or drop', async () => {
    const hashed = setup({ IP_POLICY: 'hash', IP_HASH_SALT: 's3cret' });
    await hashed.app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: '81.2.69.142',
      payload: { batch: [pageView], writeKey: 'demo-shop-key' },
    });
    expect(hashed.events()[0].ip).toMatch(/^[0-9a-f]{32}$/);
    expect(hashed.events()[0].geo.country).toBe('GB');
    const dropped = setup({ IP_POLICY: 'drop' });
    await dropped.app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: '81.2.69.142',
      payload: { batch: [pageView], writeKey: 'demo-shop-key' },
    });
    expect(dropped.events()[0].ip).toBeNull();
  });

  it('flags bots without dropping them', async () => {
    const { app, events } = setup();
    await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      payload: { batch: [{ ...pageView, context: {} }], writeKey: 'demo-shop-key' },
    });
    expect(events()[0]).toMatchObject({ isBot: true });
  });
});

describe('single-event endpoints, CORS, health', () => {
  it('/v1/track takes the type from the path', async () => {
    const { app, events } = setup();
    const { type: _t, ...track } = validWireEvents['product-viewed']!;
    const res = await app.inject({ method: 'POST', url: '/v1/track', payload: track });
    expect(res.statusCode).toBe(200);
    expect(events()[0]).toMatchObject({ type: 'track', event: 'Product Viewed' });
    const mismatch = await app.inject({
      method: 'POST',
      url: '/v1/page',
      payload: validWireEvents['product-viewed'],
    });
    expect(mismatch.statusCode).toBe(400);
  });

  it('reflects an allowed origin with credentials, and only an allowed one', async () => {
    const { app } = setup();
    const origin = DEMO_SITE.origins[0]!;
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { origin },
      payload: { batch: [pageView], writeKey: 'demo-shop-key' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe(origin);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const other = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { origin: 'https://evil.example' },
      payload: { batch: [pageView], writeKey: 'demo-shop-key' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    // CORS only hides the answer; the events themselves are refused too.
    expect(other.statusCode).toBe(401);
    expect(other.json().rejected[0].issues[0].message).toContain(
      'not allowed from origin https://evil.example',
    );
  });

  it("checks the origin against the write key's own site, not any site's", async () => {
    const sites = JSON.stringify([
      { siteId: 'a', writeKey: 'key-a', origins: ['https://a.example'] },
      { siteId: 'b', writeKey: 'key-b', origins: ['https://b.example'] },
    ]);
    const { app, sent } = setup({ COLLECTOR_SITES: sites });
    const { writeKey: _own, ...event } = pageView;
    const post = (origin: string, writeKey: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { origin },
        payload: { batch: [event], writeKey },
      });
    expect((await post('https://a.example', 'key-a')).statusCode).toBe(200);
    expect((await post('https://b.example', 'key-a')).statusCode).toBe(401);
    expect(sent).toHaveLength(1);
  });

  it('takes context.ip only from sites configured to trust it', async () => {
    const sites = (trust: boolean) =>
      JSON.stringify([{ siteId: 's', writeKey: 'server-key', trustContextIp: trust }]);
    const { writeKey: _own, ...event } = pageView;
    const withIp = { ...event, context: { ...event.context, ip: '81.2.69.142' } };
    for (const [trust, country] of [
      [false, null],
      [true, 'GB'],
    ] as const) {
      const { app, events } = setup({ COLLECTOR_SITES: sites(trust) });
      const res = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        remoteAddress: '127.0.0.1',
        payload: { batch: [withIp], writeKey: 'server-key' },
      });
      expect(res.statusCode).toBe(200);
      expect(events()[0].geo.country).toBe(country);
    }
  });

  it('/health and /ready', async () => {
    const { app } = setup();
    expect((await app.inject('/health')).statusCode).toBe(200);
    expect((await app.inject('/ready')).json()).toEqual({ status: 'ready' });
  });
});

describe('dead letters: valid events that fail an enrichment rule', () => {
  const serverSite = JSON.stringify([{ siteId: 's', writeKey: 'server-key', trustContextIp: true }]);
  const { writeKey: _own, sentAt: _sent, ...event } = pageView;
  const withIp = (ip: string, n: number) => ({
    ...event,
    messageId: `${event.messageId.slice(0, -1)}${n}`,
    context: { ...event.context, ip, userAgent: undefined },
  });

  it('a trusted context.ip that is not an IP goes to the dead-letter topic with its reason; the rest is accepted', async () => {
    const { app, sent } = setup({ COLLECTOR_SITES: serverSite });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'user-agent': IPHONE },
      payload: {
        batch: [withIp('81.2.69.142', 1), withIp('not-an-ip', 2)],
        writeKey: 'server-key',
        sentAt: '2026-11-24T10:20:02.000Z',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 1,
      rejected: [],
      deadLettered: [
        {
          index: 1,
          messageId: withIp('', 2).messageId,
          reason: 'invalid-context-ip',
          detail: 'context.ip is not an IPv4 or IPv6 address',
        },
      ],
    });
    expect(sent.map((m) => m.topic)).toEqual(['unit.events', 'unit.events.dead-letter']);
    const dead = sent[1]!;
    expect(dead.key).toBe(event.anonymousId);
    expect(dead.headers).toEqual({
      [DEAD_LETTER_HEADERS.reason]: 'invalid-context-ip',
      [DEAD_LETTER_HEADERS.detail]: 'context.ip is not an IPv4 or IPv6 address',
      [DEAD_LETTER_HEADERS.stage]: 'collector',
      [DEAD_LETTER_HEADERS.siteId]: 's',
      [DEAD_LETTER_HEADERS.receivedAt]: '2026-11-24T10:20:02.600Z',
    });
    // The event as received, ready to be posted again: the batch's sentAt merged in; never the IP
    // or the write key. (A server site's User-Agent header names its HTTP library, not the person:
    // it is not merged in as context.userAgent.)
    const value = JSON.parse(dead.value);
    expect(value).toMatchObject({ messageId: withIp('', 2).messageId, sentAt: '2026-11-24T10:20:02.000Z' });
    expect(value.context.userAgent).toBeUndefined();
    expect(value.context.ip).toBeUndefined();
    expect(value.writeKey).toBeUndefined();
    expect(dead.value).not.toContain('not-an-ip');
  });

  it('a request whose only event is dead-lettered is still a 200 (it is stored); untrusting sites ignore context.ip', async () => {
    const trusting = setup({ COLLECTOR_SITES: serverSite });
    const res = await trusting.app.inject({
      method: 'POST',
      url: '/v1/track',
      payload: { ...withIp('999.1.1.1', 3), type: 'track', event: 'x', writeKey: 'server-key' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 0, deadLettered: [{ reason: 'invalid-context-ip' }] });
    expect(trusting.sent.map((m) => m.topic)).toEqual(['unit.events.dead-letter']);
    const metrics = (await trusting.app.inject('/metrics')).body;
    expect(metrics).toContain('collector_events_dead_lettered_total{reason="invalid-context-ip"} 1');
    expect(metrics).toContain('collector_events_accepted_total 0');

    const untrusting = setup({
      COLLECTOR_SITES: JSON.stringify([{ siteId: 's', writeKey: 'server-key' }]),
    });
    const ok = await untrusting.app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [withIp('not-an-ip', 4)], writeKey: 'server-key' },
    });
    expect(ok.json()).toEqual({ accepted: 1, rejected: [] });
    expect(untrusting.sent.map((m) => m.topic)).toEqual(['unit.events']);
  });

  it('an event whose enrichment throws is dead-lettered with the error; the others in the batch are not affected', async () => {
    const broken: GeoLookup = (ip) => {
      if (ip === '198.51.100.66') throw new Error(`corrupt geo database record for ${ip}`);
      return geo(ip);
    };
    const { app, sent, events } = setup({ COLLECTOR_SITES: serverSite }, undefined, broken);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: {
        batch: [withIp('81.2.69.142', 5), withIp('198.51.100.66', 6), withIp('81.2.69.142', 7)],
        writeKey: 'server-key',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      accepted: 2,
      deadLettered: [
        { index: 1, reason: 'enrichment-failed', detail: 'corrupt geo database record for <ip>' },
      ],
    });
    expect(events().filter((_, i) => sent[i]!.topic === 'unit.events')).toHaveLength(2);
    expect(sent.find((m) => m.topic === 'unit.events.dead-letter')?.value).not.toContain('198.51.100.66');
  });

  it('answers 503 when the dead-letter topic does not acknowledge, even if the events topic did', async () => {
    const sink: EventSink = {
      send: async (topic) => {
        if (topic.endsWith('.dead-letter')) throw new Error('NOT_ENOUGH_REPLICAS');
      },
    };
    const { app } = setup({ COLLECTOR_SITES: serverSite }, sink);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [withIp('81.2.69.142', 8), withIp('x', 9)], writeKey: 'server-key' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('collector_events_rejected_total{reason="kafka_error"} 2');
    expect(metrics).toContain('collector_events_dead_lettered_total{reason="invalid-context-ip"} 0');
  });
});

describe('every call type of the Segment spec, on both path forms', () => {
  const bodies: Record<string, Record<string, unknown>> = {
    track: validWireEvents['product-viewed']!,
    page: pageView,
    screen: validWireEvents.screen!,
    identify: validWireEvents.identify!,
    group: validWireEvents.group!,
    alias: validWireEvents.alias!,
  };

  it.each(SINGLE_EVENT_PATHS.map(([path, type]) => [path, type]))(
    '%s takes one %s event (the type comes from the path)',
    async (path, type) => {
      const { app, events } = setup();
      const { type: _own, ...body } = bodies[type]!;
      const res = await app.inject({
        method: 'POST',
        url: path,
        headers: { authorization: `Basic ${Buffer.from('demo-shop-key:').toString('base64')}` },
        payload: body,
      });
      expect(res.json()).toEqual({ accepted: 1, rejected: [] });
      expect(events()[0].type).toBe(type);
      expect(validateCollectedEvent(events()[0]).ok).toBe(true);
    },
  );

  it.each(BATCH_PATHS)('%s takes a batch of every call type', async (path) => {
    const { app, events } = setup();
    const res = await app.inject({
      method: 'POST',
      url: path,
      payload: { batch: Object.values(bodies), writeKey: 'demo-shop-key' },
    });
    expect(res.json()).toEqual({ accepted: 6, rejected: [] });
    expect(events().map((e) => e.type)).toEqual(['track', 'page', 'screen', 'identify', 'group', 'alias']);
  });

  it('stores group and alias calls with their meaning: the golden wire events become the golden collected ones', async () => {
    const chrome = collectedEvents.group!.context.userAgent!;
    const berlin: GeoLookup = (ip) =>
      ip === '203.0.113.7'
        ? { country: 'DE', region: 'BE', city: 'Berlin' }
        : { country: null, region: null, city: null };
    for (const name of ['group', 'alias']) {
      const expected = collectedEvents[name]!;
      const { app, events } = setup({}, undefined, berlin, () => Date.parse(expected.receivedAt));
      const res = await app.inject({
        method: 'POST',
        url: `/v1/${name}`,
        remoteAddress: '203.0.113.7',
        headers: { 'user-agent': chrome },
        payload: { ...validWireEvents[name], writeKey: 'demo-shop-key' },
      });
      expect(res.statusCode).toBe(200);
      expect(events()[0]).toEqual(expected);
    }
  });

  it('keeps a screen name as the name, and refuses a group without its id and an alias without the previous id', async () => {
    const { app, events } = setup();
    await app.inject({
      method: 'POST',
      url: '/v1/s',
      payload: { ...validWireEvents.screen, writeKey: 'demo-shop-key' },
    });
    expect(events()[0]).toMatchObject({ type: 'screen', name: 'Basket', properties: { items: 2 } });
    for (const [path, field] of [
      ['/v1/g', '/groupId'],
      ['/v1/a', '/previousId'],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: path,
        payload: { messageId: 'm-x', userId: 'u-x', writeKey: 'demo-shop-key' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().rejected[0].issues[0].path).toBe(field);
    }
  });
});

describe('CORS', () => {
  const origin = DEMO_SITE.origins[0]!;

  it('lets the headers real clients send through the preflight (X-Retry-Count on retries)', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/v1/t',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-retry-count',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    const allowed = String(res.headers['access-control-allow-headers']).split(', ');
    for (const header of [
      'content-type',
      'authorization',
      'x-retry-count',
      'anonymousid',
      'content-encoding',
    ])
      expect(allowed).toContain(header);
  });

  it('never makes /metrics, /health, /ready or /openapi.json readable from a site', async () => {
    const { app } = setup();
    for (const url of ['/metrics', '/health', '/ready', '/openapi.json']) {
      const res = await app.inject({ url, headers: { origin } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });
});

describe("bots: detection applies to browser traffic; a server site sends people's events", () => {
  // What server-side HTTP clients put in User-Agent; isbot rightly calls every one of them a bot.
  const SERVER_AGENTS = [
    'analytics-node-next/latest',
    'analytics-node/3.0.13',
    'undici',
    'node',
    'axios/1.18.1',
    'okhttp/4.12.0',
    'Go-http-client/1.1',
    'Go-http-client/2.0',
    'Java/17.0.2',
    'Apache-HttpClient/4.5.14 (Java/17.0.2)',
    'python-requests/2.32.3',
  ];
  const servers = JSON.stringify([
    DEMO_SITE,
    { siteId: 'shop-backend', writeKey: 'server-key', trustContextIp: true },
  ]);
  const { writeKey: _key, context: _context, sentAt: _sent, ...orderEvent } = order;
  const send = (app: ReturnType<typeof setup>['app'], writeKey: string, userAgent: string, context = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'user-agent': userAgent },
      payload: { batch: [{ ...orderEvent, context }], writeKey },
    });

  it.each(SERVER_AGENTS)('an order from a server site sent by "%s" is not a bot', async (userAgent) => {
    const { app, events } = setup({ COLLECTOR_SITES: servers });
    expect((await send(app, 'server-key', userAgent)).statusCode).toBe(200);
    // The header names the library, not the person: no device is made up from it either.
    expect(events()[0]).toMatchObject({
      isBot: false,
      device: { type: 'unknown' },
      browser: { name: null },
      context: {},
    });
    expect(events()[0].context.userAgent).toBeUndefined();
  });

  it.each(SERVER_AGENTS)('the same "%s" on a browser site is flagged as a bot', async (userAgent) => {
    const { app, events } = setup({ COLLECTOR_SITES: servers });
    expect((await send(app, 'demo-shop-key', userAgent)).statusCode).toBe(200);
    expect(events()[0]).toMatchObject({ isBot: true, context: { userAgent } });
  });

  it('a browser User-Agent a server library relays in context.userAgent is described and checked', async () => {
    const { app, events } = setup({ COLLECTOR_SITES: servers });
    await send(app, 'server-key', 'analytics-node-next/latest', { userAgent: IPHONE });
    await send(app, 'server-key', 'analytics-node-next/latest', {
      userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    });
    expect(events()[0]).toMatchObject({
      isBot: false,
      device: { type: 'mobile' },
      context: { userAgent: IPHONE },
    });
    expect(events()[1]).toMatchObject({ isBot: true });
  });
});
