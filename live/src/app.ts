// The live server's HTTP handler (node:http, no framework: a page, two static files, one event
// stream and two small JSON reads). It never listens itself (server.ts does), so tests call it on
// any server with fakes behind it.
//
//   GET /?site=ID             the page (site: LIVE_DEFAULT_SITE when absent)
//   GET /events?site=ID       text/event-stream: `snapshot` at once, then `delta`s; `status` when the
//                             numbers are not current (database unreachable, not notified)
//   GET /api/snapshot?site=ID the current numbers as JSON (read afresh)
//   GET /api/sites            sites with real-time rows in the last 7 days
//   GET /health               {"status":"ok","live":{ok,message},"viewers":{site:n}}
//   GET /static/live.js|css   the bundled script and stylesheet
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './bundle.ts';
import type { Status } from './live-hub.ts';
import { livePage } from './page.ts';
import type { Snapshot } from './snapshot.ts';
import { openSse, type SseClient } from './sse.ts';

export interface LiveDeps {
  readonly defaultSite: string;
  readonly assets: Readonly<Record<string, Asset>>;
  readonly hub: {
    subscribe(site: string, client: SseClient): () => void;
    status(): Status;
    viewers(): Record<string, number>;
  };
  readonly readSnapshot: (site: string) => Promise<Snapshot>;
  readonly listSites: () => Promise<string[]>;
  readonly log?: (line: string) => void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const MAX_SITE_LENGTH = 200;

/** The `site` query parameter, the default when absent, or null when unusable. */
export function siteOf(url: URL, fallback: string): string | null {
  const raw = url.searchParams.get('site');
  if (raw === null || raw.trim() === '') return fallback;
  const site = raw.trim();
  const printable = [...site].every((c) => c.charCodeAt(0) >= 0x20);
  return site.length <= MAX_SITE_LENGTH && printable ? site : null;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

export function createLiveHandler(deps: LiveDeps): Handler {
  const failed = (res: ServerResponse, what: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    deps.log?.(`${what} failed: ${message}`);
    if (!res.headersSent) json(res, 503, { error: 'unavailable', message });
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://live');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const asset = deps.assets[path];
    if (asset) {
      res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8` }).end(asset.body);
      return;
    }
    if (path === '/health') {
      json(res, 200, { status: 'ok', live: deps.hub.status(), viewers: deps.hub.viewers() });
      return;
    }
    if (path === '/api/sites') {
      deps.listSites().then(
        (sites) => json(res, 200, sites),
        (err) => failed(res, 'listing sites', err),
      );
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const site = siteOf(url, deps.defaultSite);
    if (path !== '/' && path !== '/events' && path !== '/api/snapshot') {
      json(res, 404, { error: 'not_found' });
      return;
    }
    if (site === null) {
      json(res, 400, { error: 'bad_site', message: `site: 1 to ${MAX_SITE_LENGTH} printable characters` });
      return;
    }
    if (path === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(livePage(site));
    } else if (path === '/events') {
      const client = openSse(res);
      const unsubscribe = deps.hub.subscribe(site, client);
      void client.closed.then(unsubscribe);
    } else {
      deps.readSnapshot(site).then(
        (snapshot) => json(res, 200, snapshot),
        (err) => failed(res, `reading ${site}`, err),
      );
    }
  };
}
