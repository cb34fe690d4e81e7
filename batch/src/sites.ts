// Per-site settings of the batch: the reporting time zone (days and hours of the site's marts
// follow it) and the reporting currency (the one total the summary converts revenue into).
//
// BATCH_SITES is a JSON array in the shape of the collector's COLLECTOR_SITES, so one file can
// serve both: [{"siteId":"shop","timeZone":"Europe/Berlin","reportingCurrency":"EUR"}]. Other keys
// (writeKey, origins, ...) are ignored. A site that is not listed reports in UTC without a
// reporting currency. BATCH_FX_RATES is the rate table the user maintains, as exact decimal
// strings: {"USD/EUR":"0.9215"} means 1 USD = 0.9215 EUR.
import { BatchError } from './errors.ts';

export interface SiteSettings {
  readonly siteId: string;
  /** IANA zone, e.g. Europe/Berlin; UTC by default. */
  readonly timeZone: string;
  /** ISO 4217 code the summary's revenue total is converted into; null: no total. */
  readonly reportingCurrency: string | null;
}

export const DEFAULT_TIME_ZONE = 'UTC';

/** Exchange rates: `rates.get('USD/EUR')` is the EUR value of 1 USD, as an exact decimal string. */
export type FxRates = ReadonlyMap<string, string>;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL = /^\d{1,12}(\.\d{1,12})?$/;

function parseJson(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new BatchError(`${name} is not valid JSON (${(err as Error).message})`);
  }
}

export function parseSites(raw: string | undefined): SiteSettings[] {
  if (raw === undefined || raw.trim() === '') return [];
  const value = parseJson('BATCH_SITES', raw);
  if (!Array.isArray(value))
    throw new BatchError(
      'BATCH_SITES must be a JSON array like [{"siteId":"shop","timeZone":"Europe/Berlin"}]',
    );
  const seen = new Set<string>();
  return value.map((entry, i) => {
    const site = entry as Record<string, unknown>;
    const where = `BATCH_SITES[${i}]`;
    if (typeof site?.siteId !== 'string' || site.siteId === '')
      throw new BatchError(`${where}: siteId must be a non-empty string`);
    if (seen.has(site.siteId)) throw new BatchError(`${where}: site ${site.siteId} is listed twice`);
    seen.add(site.siteId);
    const timeZone = site.timeZone ?? DEFAULT_TIME_ZONE;
    if (typeof timeZone !== 'string' || !isTimeZone(timeZone))
      throw new BatchError(
        `${where}: timeZone ${String(timeZone)} is not an IANA time zone (e.g. Europe/Berlin)`,
      );
    const currency = site.reportingCurrency ?? null;
    if (currency !== null && (typeof currency !== 'string' || !CURRENCY.test(currency)))
      throw new BatchError(`${where}: reportingCurrency must be an ISO 4217 code like EUR`);
    return { siteId: site.siteId, timeZone, reportingCurrency: currency as string | null };
  });
}

export function parseFxRates(raw: string | undefined): FxRates {
  const rates = new Map<string, string>();
  if (raw === undefined || raw.trim() === '') return rates;
  const value = parseJson('BATCH_FX_RATES', raw);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BatchError('BATCH_FX_RATES must be a JSON object like {"USD/EUR":"0.9215"}');
  for (const [pair, rate] of Object.entries(value)) {
    const [from, to, ...rest] = pair.split('/');
    if (rest.length > 0 || !CURRENCY.test(from ?? '') || !CURRENCY.test(to ?? ''))
      throw new BatchError(`BATCH_FX_RATES: ${pair} must be FROM/TO, e.g. USD/EUR`);
    if (typeof rate !== 'string' || !DECIMAL.test(rate))
      throw new BatchError(
        `BATCH_FX_RATES: ${pair} must be a decimal string like "0.9215" (exact, no float)`,
      );
    rates.set(pair, rate);
  }
  return rates;
}

/** The settings of a site, the defaults when it is not configured. */
export function settingsOf(sites: readonly SiteSettings[], siteId: string): SiteSettings {
  return (
    sites.find((s) => s.siteId === siteId) ?? { siteId, timeZone: DEFAULT_TIME_ZONE, reportingCurrency: null }
  );
}
