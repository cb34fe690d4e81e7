import { WireEvent } from '@clickstream/schema';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { readCollectorConfig } from './config.ts';

function setup() {
  const app = buildApp(readCollectorConfig({}), {
    sink: { send: async () => {} },
    geo: () => ({ country: null, region: null, city: null }),
    kafkaReady: async () => true,
  });
  // Every route the app really serves, as Fastify registers it (HEAD twins of GETs left out).
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push(`${method} ${r.url.replace('*', '{*}')}`);
    }
  });
  return { app, routes };
}

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

describe('GET /openapi.json', () => {
  it('lists every endpoint the app serves, with its method', async () => {
    const { app, routes } = setup();
    const res = await app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThan(0);
    expect(documented.sort()).toEqual([...routes].sort());
    // And the list itself, so a route that silently disappeared is noticed too.
    expect(documented.sort()).toEqual(
      [
        'GET /health',
        'GET /metrics',
        'GET /openapi.json',
        'GET /ready',
        'OPTIONS /v1/{*}',
        'POST /v1/batch',
        'POST /v1/b',
        ...['track', 'page', 'screen', 'identify', 'group', 'alias'].flatMap((type) => [
          `POST /v1/${type}`,
          `POST /v1/${type[0]}`,
        ]),
      ].sort(),
    );
  });

  it('documents bodies, every status of the ingest routes, the write key and the event contract', async () => {
    const { app } = setup();
    const doc = (await app.inject('/openapi.json')).json() as OpenApi;
    const ingestPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/v1/') && doc.paths[p]!.post);
    expect(ingestPaths).toHaveLength(14);
    for (const path of ingestPaths) {
      const post = doc.paths[path]!.post!;
      expect(Object.keys(post.responses).sort()).toEqual(['200', '400', '401', '413', '415', '429', '503']);
      expect(post.requestBody).toMatchObject({
        content: {
          'application/json': expect.anything(),
          'text/plain': expect.anything(),
          'application/x-www-form-urlencoded': expect.anything(),
        },
      });
    }
    // The batch's items are typed as the event contract (the route checks them one by one).
    for (const path of ['/v1/batch', '/v1/b']) {
      const body = doc.paths[path]!.post!.requestBody as {
        content: Record<string, { schema: { properties: { batch: { items: unknown } } } }>;
      };
      expect(body.content['application/json']!.schema.properties.batch.items).toEqual({
        $ref: '#/components/schemas/WireEvent',
      });
    }
    expect(doc.paths['/metrics']!.get!.responses['200']).toMatchObject({
      content: { 'text/plain; version=0.0.4; charset=utf-8': expect.anything() },
    });
    expect(doc.components.securitySchemes.writeKey).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.components.schemas.WireEvent).toMatchObject({ required: WireEvent.required });
  });
});
