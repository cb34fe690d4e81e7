// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name). Every object of the
// bundle gets the UUID of a stable name, so importing a changed bundle updates the objects Superset
// already has instead of adding copies.
import { createHash } from 'node:crypto';

function bytesOf(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function uuid5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  return format(bytes);
}

/** RFC 9562's DNS namespace. */
const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/** The namespace of every UUID in our bundle. */
export const BUNDLE_NAMESPACE = uuid5(NAMESPACE_DNS, 'dashboards.clickstream');

/** The UUID of a bundle object, from its kind and key (e.g. `chart`, `live/click-rate`). */
export function bundleUuid(kind: string, key: string): string {
  return uuid5(BUNDLE_NAMESPACE, `${kind}:${key}`);
}
