// The live page's HTML: a skeleton with stable ids that the browser script (client/live.ts) fills
// from the server-sent events. Nothing here depends on data, so the page is the same for every site.

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const tile = (id: string, label: string, note = '') => `
      <section class="tile" aria-labelledby="${id}-label">
        <h2 id="${id}-label">${label}</h2>
        <p class="value" id="${id}" data-value="">–</p>
        ${note ? `<p class="note">${note}</p>` : ''}
      </section>`;

export function livePage(site: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Live · ${escapeHtml(site)} · clickstream</title>
  <link rel="stylesheet" href="/static/live.css">
</head>
<body>
  <header>
    <h1>clickstream <span>live</span></h1>
    <label class="site">site
      <select id="site" data-site="${escapeHtml(site)}"><option>${escapeHtml(site)}</option></select>
    </label>
    <p id="status" class="status connecting" role="status">connecting…</p>
  </header>
  <main data-site="${escapeHtml(site)}">
    <div class="tiles">${tile('current-visitors', 'Current visitors', 'seen in the last 5 minutes')}${tile(
      'events-minute',
      'Events this minute',
    )}${tile('events-today', 'Events today', 'since 00:00 UTC')}${tile('clicks-today', 'Clicks today')}${tile(
      'visitors-today',
      'Visitors today',
    )}${tile('orders-today', 'Orders today')}
      <section class="tile revenue" aria-labelledby="revenue-label">
        <h2 id="revenue-label">Revenue today</h2>
        <ul id="revenue-today"><li class="empty">no orders yet</li></ul>
      </section>
    </div>
    <section class="chart-box" aria-labelledby="chart-label">
      <h2 id="chart-label">Per minute, last hour</h2>
      <div id="chart"></div>
    </section>
    <section class="pages-box" aria-labelledby="pages-label">
      <h2 id="pages-label">Top pages now <span class="note">page views, last 30 minutes</span></h2>
      <ol id="top-pages"><li class="empty">no page views yet</li></ol>
    </section>
  </main>
  <footer>Pushed by the server as the processor writes (server-sent events). <span id="updated"></span></footer>
  <script src="/static/live.js"></script>
</body>
</html>
`;
}
