import { validWireEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { readCollectorConfig } from './config.ts';
import { charsetOf } from './parse-body.ts';

function setup() {
  const sent: string[] = [];
  const app = buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit' }), {
    sink: { send: async (_topic, messages) => void sent.push(...messages.map((m) => m.value)) },
    geo: () => ({ country: null, region: null, city: null }),
    kafkaReady: async () => true,
  });
  return { app, sent };
}
const metric = async (app: ReturnType<typeof setup>['app'], reason: string) => {
  const text = (await app.inject('/metrics')).body;
  return Number(
    text.match(new RegExp(`collector_requests_rejected_total\\{reason="${reason}"\\} (\\d+)`))?.[1],
  );
};

const pageView = validWireEvents['page-view']!;
const batch = JSON.stringify({ batch: [pageView], writeKey: 'demo-shop-key' });
const post = (app: ReturnType<typeof setup>['app'], contentType: string, payload: string | Buffer = batch) =>
  app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': contentType }, payload });

describe('content types', () => {
  it.each([
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'text/plain; charset="utf-8"',
    'application/x-www-form-urlencoded;charset=utf-8',
  ])('reads JSON sent as %s', async (contentType) => {
    const { app } = setup();
    expect((await post(app, contentType)).json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('answers 415 naming a content type it does not read', async () => {
    const { app } = setup();
    for (const contentType of [
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
    ]) {
      const res = await post(app, contentType);
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({
        error: 'unsupported_media_type',
        message: expect.stringContaining(`content-type "${contentType}"`),
      });
    }
    expect(await metric(app, 'unsupported_media_type')).toBe(3);
  });

  it('says that form fields are not read when a form-urlencoded body is not JSON', async () => {
    const { app } = setup();
    const res = await post(app, 'application/x-www-form-urlencoded', `batch=${encodeURIComponent('[]')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json', message: expect.stringContaining('form') });
  });
});

describe('charset and UTF-8', () => {
  it('refuses a charset other than UTF-8 with 415 naming it (JSON is UTF-8)', async () => {
    const { app, sent } = setup();
    for (const [contentType, charset] of [
      ['application/json; charset=iso-8859-1', 'iso-8859-1'],
      ['text/plain;charset=windows-1252', 'windows-1252'],
      ['application/json; charset="UTF-16"', 'utf-16'],
    ]) {
      const res = await post(app, contentType!);
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({
        error: 'unsupported_media_type',
        message: `charset "${charset}" is not supported; JSON bodies must be UTF-8`,
      });
    }
    expect(sent).toEqual([]);
  });

  it('refuses bytes that are not UTF-8 with 400 instead of replacing them, even inside messageId', async () => {
    const { app, sent } = setup();
    // "m-\xff\xfe": without the check, the id would arrive as "m-\ufffd\ufffd", a different id.
    const body = Buffer.concat([
      Buffer.from('{"writeKey":"demo-shop-key","batch":[{"type":"page","anonymousId":"a","messageId":"m-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]}'),
    ]);
    const res = await post(app, 'application/json', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_utf8', message: 'the body is not valid UTF-8' });
    expect(sent).toEqual([]);
    expect(await metric(app, 'invalid_utf8')).toBe(1);
  });

  it('keeps valid multi-byte UTF-8 as is', async () => {
    const { app, sent } = setup();
    const title = 'Tasse – Café ☕ 𝄞';
    const res = await post(
      app,
      'application/json',
      Buffer.from(
        JSON.stringify({ batch: [{ ...pageView, properties: { title } }], writeKey: 'demo-shop-key' }),
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(sent[0]!).properties.title).toBe(title);
  });
});

describe('charsetOf', () => {
  it('reads the charset parameter, lower case and unquoted', () => {
    expect(charsetOf('application/json; charset=UTF-8')).toBe('utf-8');
    expect(charsetOf('text/plain;Charset="latin1" ; x=y')).toBe('latin1');
    expect(charsetOf('application/json')).toBeUndefined();
    expect(charsetOf(undefined)).toBeUndefined();
  });
});
