import { Readable } from 'node:stream';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { validWireEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { buildApp, MAX_BATCH_BYTES } from './app.ts';
import { readCollectorConfig } from './config.ts';
import { decodeBody } from './decode-body.ts';

function setup() {
  const sent: string[] = [];
  const app = buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit' }), {
    sink: { send: async (_topic, messages) => void sent.push(...messages.map((m) => m.value)) },
    geo: () => ({ country: null, region: null, city: null }),
    kafkaReady: async () => true,
  });
  return { app, sent };
}

const batch = JSON.stringify({
  batch: [validWireEvents['page-view'], validWireEvents['order-completed']],
  writeKey: 'demo-shop-key',
});
const post = (app: ReturnType<typeof setup>['app'], payload: Buffer, headers: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
const metric = async (app: ReturnType<typeof setup>['app'], reason: string) => {
  const text = (await app.inject('/metrics')).body;
  return Number(
    text.match(new RegExp(`collector_requests_rejected_total\\{reason="${reason}"\\} (\\d+)`))?.[1],
  );
};

/** A gzip bomb: a JSON batch whose one string inflates to `mb` megabytes of zeros. */
function bomb(mb: number, level = 9): Buffer {
  const head = Buffer.from(
    '{"writeKey":"demo-shop-key","batch":[{"type":"page","messageId":"m","anonymousId":"a","name":"',
  );
  return gzipSync(Buffer.concat([head, Buffer.alloc(mb * 1024 * 1024, '0'), Buffer.from('"}]}')]), { level });
}

describe('compressed bodies (Content-Encoding)', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['GZIP', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes %s', async (encoding, compress) => {
    const { app, sent } = setup();
    const res = await post(app, compress(Buffer.from(batch)), { 'content-encoding': encoding });
    expect(res.json()).toEqual({ accepted: 2, rejected: [] });
    expect(sent.map((v) => JSON.parse(v).messageId)).toEqual([
      validWireEvents['page-view']!.messageId,
      validWireEvents['order-completed']!.messageId,
    ]);
  });

  it('takes identity as not encoded', async () => {
    const { app } = setup();
    expect((await post(app, Buffer.from(batch), { 'content-encoding': 'identity' })).statusCode).toBe(200);
  });

  it("takes gzipped JSON sent as form-urlencoded, as RudderStack's Node SDK sends it", async () => {
    const { app } = setup();
    const res = await post(app, gzipSync(Buffer.from(batch)), {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    expect(res.json()).toEqual({ accepted: 2, rejected: [] });
  });

  it('applies the size limit to the decoded body: a zip bomb is a 413', async () => {
    const { app, sent } = setup();
    const small = bomb(64);
    expect(small.length).toBeLessThan(MAX_BATCH_BYTES);
    const res = await post(app, small, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'too_large' });
    expect(sent).toEqual([]);
    expect(await metric(app, 'too_large')).toBe(1);
  });

  it('stops inflating at the limit instead of inflating the whole bomb', async () => {
    // 256 MB of zeros in 1.1 MB, read in 64 KB pieces: inflating it all takes about a second here.
    const compressed = bomb(256, 1);
    const pieces = Math.ceil(compressed.length / 65_536);
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < pieces; i++) {
          pulled++;
          yield compressed.subarray(i * 65_536, (i + 1) * 65_536);
        }
      })(),
    );
    const decoded = decodeBody(source, 'gzip', MAX_BATCH_BYTES);
    let bytes = 0;
    const err = await new Promise<Error & { statusCode?: number }>((resolve) => {
      decoded.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      decoded.on('error', resolve);
    });
    expect(err.statusCode).toBe(413);
    expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    await new Promise((r) => setTimeout(r, 50));
    // Only the first pieces were read: the rest of the bomb is never inflated.
    expect(pulled).toBeLessThan(pieces / 4);
    expect(decoded.receivedEncodedLength).toBeLessThan(compressed.length / 4);
  });

  it('answers 400 invalid_encoding to data that is not what the encoding says', async () => {
    const { app } = setup();
    for (const [encoding, payload] of [
      ['gzip', Buffer.from(batch)],
      ['deflate', deflateRawSync(Buffer.from(batch))], // raw deflate: RFC 9110's deflate is zlib
      ['br', Buffer.from('not brotli at all')],
      ['gzip', gzipSync(Buffer.from(batch)).subarray(0, 40)], // cut short
    ] as const) {
      const res = await post(app, payload, { 'content-encoding': encoding });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'invalid_encoding',
        message: expect.stringContaining(encoding),
      });
    }
    expect(await metric(app, 'invalid_encoding')).toBe(4);
  });

  it('a corrupt compressed body of a request refused before its body is read does not crash (found by the property test)', async () => {
    const { app } = setup();
    const corrupt = Buffer.concat([gzipSync(Buffer.from(batch)).subarray(0, 20), Buffer.alloc(20_000, 7)]);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
      payload: corrupt,
    });
    expect(res.statusCode).toBe(415);
    // (An unheard stream error would surface as an unhandled error and fail this file.)
    await new Promise((r) => setTimeout(r, 50));
    expect((await app.inject('/health')).statusCode).toBe(200);
  });

  it('answers 415 naming an encoding it does not decode', async () => {
    const { app } = setup();
    for (const encoding of ['zstd', 'compress', 'gzip, br']) {
      const res = await post(app, Buffer.from(batch), { 'content-encoding': encoding });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({
        error: 'unsupported_media_type',
        message: `content-encoding "${encoding}" is not supported; use gzip, deflate, br or none`,
      });
    }
    expect(await metric(app, 'unsupported_media_type')).toBe(3);
  });
});
