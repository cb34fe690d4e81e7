import { describe, expect, it } from 'vitest';
import { anonymiseIp } from './anonymise-ip.ts';
import { enrichmentRule, eventTime } from './collect.ts';
import { openGeoDatabase } from './geo.ts';

const RECEIVED = Date.parse('2026-11-24T12:00:00.000Z');
const TOLERANCE = 600_000;

describe('eventTime', () => {
  it('corrects a client clock that is two hours fast', () => {
    const t = eventTime(
      { originalTimestamp: '2026-11-24T13:59:50.000Z', sentAt: '2026-11-24T14:00:00.000Z' },
      RECEIVED,
      TOLERANCE,
    );
    expect(new Date(t.timestamp).toISOString()).toBe('2026-11-24T11:59:50.000Z');
    expect(t.futureTimestamp).toBe(false);
  });

  it("corrects Segment's `timestamp` with `sentAt` like originalTimestamp (a browser 2 h behind)", () => {
    // analytics-next sends its clock at creation as `timestamp`, and `sentAt` at sending.
    const t = eventTime(
      { timestamp: '2026-11-24T09:59:58.000Z', sentAt: '2026-11-24T10:00:00.000Z' },
      RECEIVED,
      TOLERANCE,
    );
    expect(new Date(t.timestamp).toISOString()).toBe('2026-11-24T11:59:58.000Z');
    // With both, `timestamp` was set deliberately (RudderStack: the caller's own; a replay: the
    // corrected one): taken as is.
    expect(
      eventTime(
        {
          originalTimestamp: '2026-11-24T11:59:59.000Z',
          timestamp: '2026-10-01T08:00:00.000Z',
          sentAt: '2026-11-24T11:59:59.500Z',
        },
        RECEIVED,
        TOLERANCE,
      ).timestamp,
    ).toBe(Date.parse('2026-10-01T08:00:00.000Z'));
  });

  it('takes a client time without sentAt as is, and receivedAt when no clock was sent', () => {
    expect(eventTime({ timestamp: '2026-11-24T11:00:00.000Z' }, RECEIVED, TOLERANCE).timestamp).toBe(
      Date.parse('2026-11-24T11:00:00.000Z'),
    );
    expect(eventTime({ originalTimestamp: '2026-11-24T11:00:00.000Z' }, RECEIVED, TOLERANCE).timestamp).toBe(
      Date.parse('2026-11-24T11:00:00.000Z'),
    );
    expect(eventTime({ sentAt: '2026-11-24T11:00:00.000Z' }, RECEIVED, TOLERANCE).timestamp).toBe(RECEIVED);
    expect(eventTime({}, RECEIVED, TOLERANCE).timestamp).toBe(RECEIVED);
  });

  it('keeps a historical time a server library sets: only the few ms of the send shift it', () => {
    // analytics-node: timestamp = the order's time last month, sentAt = the server's clock now.
    const t = eventTime(
      { timestamp: '2026-10-01T08:00:00.000Z', sentAt: '2026-11-24T11:59:59.980Z' },
      RECEIVED,
      TOLERANCE,
    );
    expect(new Date(t.timestamp).toISOString()).toBe('2026-10-01T08:00:00.020Z');
  });

  it('flags times too far in the future and uses receivedAt instead', () => {
    expect(eventTime({ timestamp: '2026-11-25T12:00:00.000Z' }, RECEIVED, TOLERANCE)).toEqual({
      timestamp: RECEIVED,
      futureTimestamp: true,
    });
    expect(eventTime({ timestamp: '2026-11-24T12:05:00.000Z' }, RECEIVED, TOLERANCE).futureTimestamp).toBe(
      false,
    );
  });

  it('does not believe a correction that leaves the four-digit years (found by the property test)', () => {
    const wild = { originalTimestamp: '2026-11-24T10:19:00.000Z', sentAt: '9999-12-31T23:59:59.999Z' };
    expect(eventTime(wild, RECEIVED, TOLERANCE)).toEqual({ timestamp: RECEIVED, futureTimestamp: false });
  });
});

describe('anonymiseIp', () => {
  it('truncates IPv4 to /24 and IPv6 to /48', () => {
    expect(anonymiseIp('203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(anonymiseIp('::ffff:203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(anonymiseIp('2001:db8:abcd:12:34::1', 'truncate')).toBe('2001:db8:abcd::');
    expect(anonymiseIp('2001:db8::1', 'truncate')).toBe('2001:db8:0::');
  });
  it('hashes with the salt, or drops', () => {
    const a = anonymiseIp('203.0.113.77', 'hash', 'salt-a');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(anonymiseIp('203.0.113.77', 'hash', 'salt-b')).not.toBe(a);
    expect(anonymiseIp('203.0.113.77', 'drop')).toBeNull();
    expect(anonymiseIp(undefined, 'truncate')).toBeNull();
  });
});

describe('geo (bundled DB-IP database)', () => {
  const geo = openGeoDatabase();
  it('finds country, region and city for public IPv4 and IPv6 addresses', () => {
    expect(geo('8.8.8.8').country).toBe('US');
    expect(geo('81.2.69.142')).toMatchObject({ country: 'GB' });
    expect(geo('2a00:1450:4001:80b::200e').country).toBe('DE');
  });
  it('knows nothing about loopback and private addresses', () => {
    expect(geo('127.0.0.1')).toEqual({ country: null, region: null, city: null });
    expect(geo('10.1.2.3').country).toBeNull();
    expect(geo(undefined).country).toBeNull();
  });
});

describe('enrichment rules', () => {
  it('dead-letters a trusted context.ip that is not an IPv4 or IPv6 address, and nothing else', () => {
    const rule = (ip: string | undefined, trustContextIp: boolean) =>
      enrichmentRule({ context: ip === undefined ? {} : { ip } }, { trustContextIp })?.reason;
    for (const ip of ['81.2.69.142', '2001:db8::1', '::ffff:81.2.69.142', 'fe80::1%eth0', undefined])
      expect(rule(ip, true)).toBeUndefined();
    for (const ip of ['999.1.1.1', 'localhost', '', '81.2.69.142, 10.0.0.1'])
      expect(rule(ip, true)).toBe('invalid-context-ip');
    expect(rule('not-an-ip', false)).toBeUndefined();
  });
});
