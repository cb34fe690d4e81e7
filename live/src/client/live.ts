// The live page in the browser: one EventSource on /events?site=..., a full snapshot first, deltas
// after (applied with the server's own applyDelta), drawn into the page's skeleton (page.ts) and a
// uPlot chart. EventSource reconnects by itself; the server then sends a fresh snapshot.
import uPlot from 'uplot';
import { applyDelta, type Delta, type Snapshot } from '../snapshot.ts';
import { formatCount, formatMoney } from './format.ts';

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const site = (document.querySelector('main') as HTMLElement).dataset.site ?? '';
let state: Snapshot | null = null;
let chart: uPlot | null = null;

/** Shows a number; a changed one flashes briefly. `data-value` holds the raw number for tests. */
function setValue(id: string, value: number): void {
  const el = byId(id);
  if (el.dataset.value === String(value)) return;
  const first = el.dataset.value === '';
  el.dataset.value = String(value);
  el.textContent = formatCount(value);
  if (first) return;
  el.classList.remove('changed');
  void el.offsetWidth; // restart the animation
  el.classList.add('changed');
}

function element(tag: string, className?: string, text?: string): HTMLElement {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function renderRevenue(s: Snapshot): void {
  const list = byId('revenue-today');
  const items = s.revenueToday.map((r) => {
    const li = element('li', undefined, formatMoney(r.revenue, r.currency));
    li.dataset.currency = r.currency ?? '';
    li.dataset.orders = String(r.orders);
    li.append(element('span', undefined, `${formatCount(r.orders)} order${r.orders === 1 ? '' : 's'}`));
    return li;
  });
  list.replaceChildren(...(items.length ? items : [element('li', 'empty', 'no orders yet')]));
}

function renderPages(s: Snapshot): void {
  const list = byId('top-pages');
  const most = s.topPages[0]?.pageViews ?? 1;
  const items = s.topPages.map((p) => {
    const li = element('li');
    const bar = element('span', 'bar');
    const fill = element('i');
    fill.style.width = `${(100 * p.pageViews) / most}%`;
    bar.append(fill, element('code', undefined, p.path));
    bar.title = p.path;
    li.append(bar, element('span', 'count', formatCount(p.pageViews)));
    return li;
  });
  list.replaceChildren(...(items.length ? items : [element('li', 'empty', 'no page views yet')]));
}

function chartData(s: Snapshot): uPlot.AlignedData {
  return [
    s.minutes.map((m) => Date.parse(m.minute) / 1000),
    s.minutes.map((m) => m.events),
    s.minutes.map((m) => m.pageViews),
    s.minutes.map((m) => m.clicks),
  ];
}

function renderChart(s: Snapshot): void {
  const box = byId('chart');
  if (chart) {
    chart.setData(chartData(s));
    return;
  }
  const css = getComputedStyle(document.documentElement);
  const colour = (name: string) => css.getPropertyValue(name).trim();
  const bars = uPlot.paths.bars?.({ size: [0.7, 24] });
  chart = new uPlot(
    {
      width: box.clientWidth,
      height: 280,
      scales: {
        // Half a minute of room at each end, so the first and last bars are not cut in half.
        x: { time: true, range: (_u, min, max) => [min - 30, max + 30] },
        y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] },
      },
      legend: { live: false },
      axes: [{}, { label: 'per minute', size: 56 }],
      series: [
        {},
        {
          label: 'Events',
          stroke: colour('--events'),
          fill: `${colour('--events')}33`,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
        },
        { label: 'Page views', stroke: colour('--pages'), width: 2, points: { show: false } },
        { label: 'Clicks', stroke: colour('--clicks'), width: 2, points: { show: false } },
      ],
    },
    chartData(s),
    box,
  );
  new ResizeObserver(() => chart?.setSize({ width: box.clientWidth, height: 280 })).observe(box);
}

function render(s: Snapshot): void {
  setValue('current-visitors', s.currentVisitors);
  setValue('events-minute', s.minutes.at(-1)?.events ?? 0);
  setValue('events-today', s.today.events);
  setValue('clicks-today', s.today.clicks);
  setValue('visitors-today', s.today.visitors);
  setValue('orders-today', s.today.orders);
  renderRevenue(s);
  renderPages(s);
  renderChart(s);
  byId('updated').textContent = `Numbers as of ${new Date(s.at).toLocaleTimeString()}.`;
}

function showStatus(ok: boolean | null, message: string): void {
  const el = byId('status');
  el.className = `status ${ok === null ? 'connecting' : ok ? 'ok' : 'error'}`;
  el.textContent = message;
}

function connect(): void {
  const source = new EventSource(`/events?site=${encodeURIComponent(site)}`);
  let statusOk = true;
  source.addEventListener('snapshot', (e) => {
    state = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    render(state);
    if (statusOk) showStatus(true, 'live');
  });
  source.addEventListener('delta', (e) => {
    if (!state) return; // a snapshot always comes first; a stray delta is ignored
    state = applyDelta(state, JSON.parse((e as MessageEvent<string>).data) as Delta);
    render(state);
  });
  source.addEventListener('status', (e) => {
    const status = JSON.parse((e as MessageEvent<string>).data) as { ok: boolean; message: string };
    statusOk = status.ok;
    showStatus(status.ok, status.message);
  });
  source.onerror = () => {
    statusOk = true;
    showStatus(null, 'reconnecting…');
  };
}

async function fillSites(): Promise<void> {
  const select = byId('site') as HTMLSelectElement;
  try {
    const sites = (await (await fetch('/api/sites')).json()) as string[];
    const all = [...new Set([site, ...sites])].sort();
    select.replaceChildren(
      ...all.map((s) => {
        const option = element('option', undefined, s) as HTMLOptionElement;
        option.value = s;
        option.selected = s === site;
        return option;
      }),
    );
  } catch {
    // The selector keeps the current site only; the page itself works.
  }
  select.addEventListener('change', () => {
    location.search = `?site=${encodeURIComponent(select.value)}`;
  });
}

connect();
void fillSites();
