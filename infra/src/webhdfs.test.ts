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
