// The raw IP never leaves the collector: it is truncated, hashed with a secret salt, or dropped.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { IpPolicy } from './config.ts';

function expandIPv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = ip.includes('::') ? 8 - h.length - t.length : 0;
  return [...h, ...Array(missing).fill('0'), ...t];
}

export function anonymiseIp(ip: string | undefined, policy: IpPolicy, salt?: string): string | null {
  if (!ip || policy === 'drop') return null;
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (policy === 'hash')
    return createHash('sha256')
      .update(`${salt ?? ''}\0${v4}`)
      .digest('hex')
      .slice(0, 32);
  if (isIPv4(v4)) return v4.replace(/\.\d+$/, '.0');
  if (isIPv6(v4)) {
    const groups = expandIPv6(v4.split('%')[0] ?? v4);
    return `${groups
      .slice(0, 3)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
      .join(':')}::`;
  }
  return null;
}
