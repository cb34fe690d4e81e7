import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SupersetClient } from './api.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A stand-in for Superset's API that closes the connection, without an answer, on the GETs it is told to. */
async function fakeSuperset(dropGets: number): Promise<{ url: string; gets: () => number }> {
  let gets = 0;
  server = createServer((req, res) => {
    if (req.url === '/api/v1/security/login') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'token' }));
      return;
    }
    gets++;
    if (gets <= dropGets) {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ result: [] }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gets: () => gets };
}

describe('SupersetClient GET', () => {
  it('sends a GET again once when the server closed the connection under it', async () => {
    const fake = await fakeSuperset(1);
    const client = await SupersetClient.login(fake.url, 'admin', 'admin');
    await expect(client.dashboards()).resolves.toEqual([]);
    expect(fake.gets()).toBe(2);
  });

  it('gives up after the second closed connection, with the socket error', async () => {
    const fake = await fakeSuperset(2);
    const client = await SupersetClient.login(fake.url, 'admin', 'admin');
    await expect(client.dashboards()).rejects.toThrow(/fetch failed/);
    expect(fake.gets()).toBe(2);
  });
});
