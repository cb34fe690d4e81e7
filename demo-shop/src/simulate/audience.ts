// Who visits the simulated shop: devices (real browser User-Agents, which the collector turns into
// device, browser and OS), countries (IP addresses from real consumer ISP ranges that the
// collector's DB-IP database places in that country; they are only ever sent to our own collector,
// as `context.ip` of a server site), where visitors come from, and the bots that crawl it.
import { Random, seedOf } from './random.ts';

export type DeviceType = 'desktop' | 'mobile' | 'tablet';

interface Device {
  readonly type: DeviceType;
  readonly userAgent: string;
  readonly screen: { readonly width: number; readonly height: number; readonly density: number };
  readonly weight: number;
}

/** Device mix of a European shop: about half mobile, 42% desktop, 8% tablet. */
export const DEVICES: readonly Device[] = [
  {
    type: 'desktop',
    weight: 18,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    screen: { width: 1920, height: 1080, density: 1 },
  },
  {
    type: 'desktop',
    weight: 9,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    screen: { width: 1512, height: 982, density: 2 },
  },
  {
    type: 'desktop',
    weight: 6,
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    screen: { width: 1536, height: 864, density: 1.25 },
  },
  {
    type: 'desktop',
    weight: 6,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    screen: { width: 1920, height: 1080, density: 1 },
  },
  {
    type: 'desktop',
    weight: 3,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    screen: { width: 2560, height: 1440, density: 1 },
  },
  {
    type: 'mobile',
    weight: 24,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    screen: { width: 393, height: 852, density: 3 },
  },
  {
    type: 'mobile',
    weight: 12,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    screen: { width: 412, height: 915, density: 2.625 },
  },
  {
    type: 'mobile',
    weight: 10,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    screen: { width: 384, height: 832, density: 2.8125 },
  },
  {
    type: 'mobile',
    weight: 4,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    screen: { width: 390, height: 844, density: 3 },
  },
  {
    type: 'tablet',
    weight: 6,
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    screen: { width: 820, height: 1180, density: 2 },
  },
  {
    type: 'tablet',
    weight: 2,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    screen: { width: 1138, height: 712, density: 2.25 },
  },
];

interface Country {
  readonly code: string;
  readonly weight: number;
  readonly locale: string;
  readonly timezone: string;
  /** The currency this shop charges visitors from there. */
  readonly currency: 'EUR' | 'GBP' | 'USD';
  /** First two octets of consumer ISP ranges placed in this country by DB-IP (checked: see README). */
  readonly prefixes: readonly string[];
}

/** Third octets whose /24s were checked with each prefix (254 addresses each, all in the country). */
export const THIRD_OCTETS = [12, 45, 77, 103, 168, 201] as const;

/** A shop based in Germany that ships across Europe and sells a little overseas. */
export const COUNTRIES: readonly Country[] = [
  {
    code: 'DE',
    weight: 26,
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    prefixes: ['91.32', '91.40', '79.200', '87.150', '84.150', '93.200', '217.80'],
  },
  {
    code: 'GB',
    weight: 10,
    locale: 'en-GB',
    timezone: 'Europe/London',
    currency: 'GBP',
    prefixes: ['86.140', '81.100', '82.10', '90.200', '31.48', '109.150'],
  },
  {
    code: 'FR',
    weight: 9,
    locale: 'fr-FR',
    timezone: 'Europe/Paris',
    currency: 'EUR',
    prefixes: ['82.64', '86.200', '92.150', '78.200', '88.160'],
  },
  {
    code: 'NL',
    weight: 7,
    locale: 'nl-NL',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    prefixes: ['84.24', '77.160', '145.50', '83.80', '94.208'],
  },
  {
    code: 'AT',
    weight: 5,
    locale: 'de-AT',
    timezone: 'Europe/Vienna',
    currency: 'EUR',
    prefixes: ['80.108', '84.112', '91.112', '178.190', '62.178'],
  },
  {
    code: 'CH',
    weight: 4,
    locale: 'de-CH',
    timezone: 'Europe/Zurich',
    currency: 'EUR',
    prefixes: ['85.0', '178.192', '83.76', '188.60'],
  },
  {
    code: 'IT',
    weight: 6,
    locale: 'it-IT',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    prefixes: ['79.10', '87.10', '93.40', '151.20', '2.32'],
  },
  {
    code: 'ES',
    weight: 6,
    locale: 'es-ES',
    timezone: 'Europe/Madrid',
    currency: 'EUR',
    prefixes: ['88.10', '83.40', '79.150', '81.40', '95.120'],
  },
  {
    code: 'PL',
    weight: 4,
    locale: 'pl-PL',
    timezone: 'Europe/Warsaw',
    currency: 'EUR',
    prefixes: ['83.10', '89.64', '31.0', '178.36', '37.30'],
  },
  {
    code: 'SE',
    weight: 3,
    locale: 'sv-SE',
    timezone: 'Europe/Stockholm',
    currency: 'EUR',
    prefixes: ['83.248', '90.224', '78.64', '81.224', '94.234'],
  },
  {
    code: 'US',
    weight: 11,
    locale: 'en-US',
    timezone: 'America/New_York',
    currency: 'USD',
    prefixes: ['73.1', '73.50', '71.190', '98.200', '24.10', '67.160', '108.20'],
  },
  {
    code: 'CA',
    weight: 3,
    locale: 'en-CA',
    timezone: 'America/Toronto',
    currency: 'USD',
    prefixes: ['70.48', '99.224', '174.88', '142.112'],
  },
  {
    code: 'AU',
    weight: 2,
    locale: 'en-AU',
    timezone: 'Australia/Sydney',
    currency: 'USD',
    prefixes: ['1.120', '101.160', '110.140', '120.16', '203.206'],
  },
  {
    code: 'JP',
    weight: 1.5,
    locale: 'ja-JP',
    timezone: 'Asia/Tokyo',
    currency: 'USD',
    prefixes: ['126.10', '60.100', '153.150', '180.10', '219.100'],
  },
  {
    code: 'BR',
    weight: 1.5,
    locale: 'pt-BR',
    timezone: 'America/Sao_Paulo',
    currency: 'USD',
    prefixes: ['177.10', '179.100', '187.10', '189.40', '201.10'],
  },
  {
    code: 'IN',
    weight: 2,
    locale: 'en-IN',
    timezone: 'Asia/Kolkata',
    currency: 'USD',
    prefixes: ['49.36', '106.200', '117.200', '122.160', '223.180'],
  },
];

/** Where a visit comes from: the landing URL's UTM parameters and the referrer. */
export interface Source {
  readonly name: string;
  readonly weight: number;
  readonly referrer?: string;
  readonly utm?: { readonly source: string; readonly medium: string; readonly campaign?: string };
  /** An ad click id on the landing URL (`gclid`, `fbclid`). */
  readonly clickId?: readonly [name: string, prefix: string];
  /** How likely a visit from here leaves after one page (paid and social bounce more). */
  readonly bounce: number;
}

export const SOURCES: readonly Source[] = [
  { name: 'direct', weight: 30, bounce: 0.32 },
  { name: 'google organic', weight: 26, referrer: 'https://www.google.com/', bounce: 0.38 },
  { name: 'bing organic', weight: 3, referrer: 'https://www.bing.com/', bounce: 0.38 },
  { name: 'duckduckgo', weight: 2, referrer: 'https://duckduckgo.com/', bounce: 0.36 },
  {
    name: 'newsletter',
    weight: 9,
    utm: { source: 'newsletter', medium: 'email', campaign: 'winter-mornings' },
    bounce: 0.28,
  },
  {
    name: 'google ads',
    weight: 10,
    referrer: 'https://www.google.com/',
    utm: { source: 'google', medium: 'cpc', campaign: 'brand' },
    clickId: ['gclid', 'Cj0KCQiA'],
    bounce: 0.45,
  },
  {
    name: 'instagram',
    weight: 7,
    referrer: 'https://l.instagram.com/',
    utm: { source: 'instagram', medium: 'social', campaign: 'slow-mornings' },
    bounce: 0.55,
  },
  {
    name: 'facebook',
    weight: 4,
    referrer: 'https://m.facebook.com/',
    utm: { source: 'facebook', medium: 'paid_social', campaign: 'gift-guide' },
    clickId: ['fbclid', 'IwAR'],
    bounce: 0.58,
  },
  { name: 'pinterest', weight: 3, referrer: 'https://www.pinterest.com/', bounce: 0.5 },
  { name: 'coffee blog', weight: 4, referrer: 'https://www.brewing-notes.example/best-kettles', bounce: 0.3 },
  { name: 'reddit', weight: 2, referrer: 'https://www.reddit.com/', bounce: 0.6 },
];

export interface Visitor {
  readonly anonymousId: string;
  readonly device: Device;
  readonly country: Country;
  readonly ip: string;
}

function ipIn(random: Random, country: Country): string {
  return `${random.pick(country.prefixes)}.${random.pick(THIRD_OCTETS)}.${1 + random.int(254)}`;
}

/**
 * Visitor number `index` of the population for `seed`: always the same id, device, country and
 * address, so a returning visitor looks like the same person.
 */
export function visitorOf(seed: number, index: number | string): Visitor {
  const random = new Random(seedOf(seed, 'visitor', index));
  const device = random.weighted(DEVICES);
  const country = random.weighted(COUNTRIES);
  return { anonymousId: random.uuid(), device, country, ip: ipIn(random, country) };
}

/** Bots and scripts that crawl the shop (the collector flags them from the User-Agent). */
export const BOTS: ReadonlyArray<{
  readonly userAgent: string;
  readonly ip: string;
  readonly weight: number;
}> = [
  {
    weight: 4,
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ip: '66.249.66',
  },
  {
    weight: 2,
    userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    ip: '157.55.39',
  },
  {
    weight: 2,
    userAgent: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    ip: '54.36.148',
  },
  {
    weight: 1,
    userAgent: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    ip: '5.255.231',
  },
  {
    weight: 2,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
    ip: '52.167.144',
  },
  { weight: 1, userAgent: 'python-requests/2.32.3', ip: '17.241.75' },
];

/** A crawler visit's identity: a fresh id each time (crawlers keep no storage). */
export function botOf(random: Random): Visitor {
  const bot = random.weighted(BOTS);
  return {
    anonymousId: random.uuid(),
    device: {
      type: 'desktop',
      weight: 0,
      userAgent: bot.userAgent,
      screen: { width: 1366, height: 768, density: 1 },
    },
    country: { ...(COUNTRIES.find((c) => c.code === 'US') as Country), weight: 0 },
    ip: `${bot.ip}.${1 + random.int(254)}`,
  };
}
