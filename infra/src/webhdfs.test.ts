import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  HdfsAccessDeniedError,
  HdfsError,
  HdfsSafeModeError,
  HdfsUnavailableError,
  WebHdfsClient,
} from './webhdfs.ts';

function clientAnswering(status: number, body: unknown, seen: string[] = []) {
  const fakeFetch = (async (url: string | URL | Request) => {
    seen.push(String(url));
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return new WebHdfsClient({ url: 'http://nn.test:9870/', user: 'alice', fetch: fakeFetch });
}

const remote = (exception: string, message = 'detail') => ({
  RemoteException: { exception, javaClassName: `org.apache.hadoop.${exception}`, message },
});

describe('WebHdfsClient (pure logic, fake fetch)', () => {
  it('encodes each path segment and sends user.name', async () => {
    const seen: string[] = [];
    await clientAnswering(200, { boolean: true }, seen).mkdirs('/lake/dt=2026-11-24/a b/ü');
    expect(seen[0]).toBe(
      'http://nn.test:9870/webhdfs/v1/lake/dt%3D2026-11-24/a%20b/%C3%BC?op=MKDIRS&user.name=alice',
    );
  });

  it.each([
    ['SafeModeException', HdfsSafeModeError, true],
    ['RetriableException', HdfsSafeModeError, true],
    ['AccessControlException', HdfsAccessDeniedError, false],
    ['StandbyException', HdfsUnavailableError, true],
  ] as const)('maps %s', async (exception, cls, retriable) => {
    const err = await clientAnswering(403, remote(exception, 'first line\nsecond line'))
      .mkdirs('/x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ retriable, exception, status: 403, op: 'MKDIRS', path: '/x' });
    expect((err as Error).message).toBe(`MKDIRS /x: ${exception}: first line`);
  });

  it('treats unknown exceptions by status, and non-JSON 5xx bodies as unavailable', async () => {
    const unknown = await clientAnswering(500, remote('WeirdException'))
      .listStatus('/x')
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ name: 'HdfsError', retriable: true, exception: 'WeirdException' });
    const html = await clientAnswering(502, '<html>bad gateway</html>')
      .listStatus('/x')
      .catch((e: unknown) => e);
    expect(html).toBeInstanceOf(HdfsUnavailableError);
    const bad = await clientAnswering(400, 'nope')
      .listStatus('/x')
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(HdfsError);
    expect(bad).toMatchObject({ retriable: false, status: 400 });
  });
});

/** A loopback HTTP server standing in for a live DataNode: answers every write with `status`. */
async function dataNode(status: number, bodies: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on (a stopped DataNode). */
async function refusedPort(): Promise<number> {
  const { server, port } = await dataNode(500, []);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('WebHdfsClient writes past a stopped DataNode (loopback DataNode, fake NameNode)', () => {
  async function setUp(liveNodes: Record<string, { infoAddr: string; xferaddr: string }> | null) {
    const bodies: string[] = [];
    const live = await dataNode(201, bodies);
    const dead = await refusedPort();
    const asked: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      asked.push(
        url.pathname === '/jmx'
          ? 'jmx'
          : `${url.searchParams.get('op')} exclude=${url.searchParams.get('excludedatanodes') ?? ''}`,
      );
      if (url.pathname === '/jmx') {
        if (!liveNodes) return new Response('no', { status: 500 });
        const nodes = JSON.stringify(liveNodes)
          .replaceAll('DEAD', String(dead))
          .replaceAll('LIVE', String(live.port));
        return Response.json({
          beans: [{ name: 'Hadoop:service=NameNode,name=NameNodeInfo', LiveNodes: nodes }],
        });
      }
      // The NameNode names the stopped DataNode until it is excluded.
      const excluded = url.searchParams.get('excludedatanodes') ?? '';
      const port = excluded.includes('127.0.0.1:9866') ? live.port : dead;
      return Response.json({
        Location: `http://localhost:${port}/webhdfs/v1/x?op=CREATE&namenoderpcaddress=nn:8020`,
      });
    }) as typeof fetch;
    const client = new WebHdfsClient({ url: 'http://nn.test:9870', user: 'alice', fetch: fakeFetch });
    return { client, asked, bodies, close: () => live.server.close() };
  }

  it('asks the NameNode again with the refused DataNode excluded, by its transfer address', async () => {
    const { client, asked, bodies, close } = await setUp({
      'host:9866': { infoAddr: '127.0.0.1:DEAD', xferaddr: '127.0.0.1:9866' },
      'host:9966': { infoAddr: '127.0.0.1:LIVE', xferaddr: '127.0.0.1:9966' },
    });
    try {
      await client.create('/x', 'hello');
      expect(asked).toEqual(['CREATE exclude=', 'jmx', 'CREATE exclude=127.0.0.1:9866']);
      expect(bodies).toEqual(['hello']);
    } finally {
      close();
    }
  });

  it('throws the refusal when the NameNode cannot say which DataNode it was', async () => {
    const { client, asked, bodies, close } = await setUp(null);
    try {
      const err = await client.create('/x', 'hello').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HdfsUnavailableError);
      expect((err as Error).message).toMatch(/^CREATE \/x: cannot reach WebHDFS \(.*ECONNREFUSED/);
      expect(asked).toEqual(['CREATE exclude=', 'jmx']);
      expect(bodies).toEqual([]);
    } finally {
      close();
    }
  });
});
