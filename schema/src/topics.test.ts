import { describe, expect, it } from 'vitest';
import { partitionKey, topicNames, visitorId } from './topics.ts';

describe('topicNames', () => {
  it('derives both topics from one prefix', () => {
    expect(topicNames()).toEqual({
      events: 'clickstream.events',
      deadLetter: 'clickstream.events.dead-letter',
    });
    expect(topicNames('t-42').events).toBe('t-42.events');
  });

  it.each(['', 'has space', 'a..b', 'x'.repeat(201), 'ümlaut'])('rejects prefix %j', (prefix) => {
    expect(() => topicNames(prefix)).toThrow(/invalid topic prefix/);
  });
});

describe('partitionKey', () => {
  it('keys by anonymousId so a visitor stays in one partition', () => {
    expect(partitionKey({ anonymousId: 'a1', userId: 'u1', messageId: 'm1' })).toBe('a1');
  });
  it('falls back to userId, then messageId', () => {
    expect(partitionKey({ anonymousId: null, userId: 'u1', messageId: 'm1' })).toBe('user:u1');
    expect(partitionKey({ anonymousId: null, userId: null, messageId: 'm1' })).toBe('m:m1');
  });
  it('is the visitor id, even for hostile ids that look like the user form', () => {
    const cases = [
      { anonymousId: 'user:u1', userId: null, messageId: 'm1' },
      { anonymousId: null, userId: 'u1', messageId: 'm2' },
      { anonymousId: 'a', userId: 'u1', messageId: 'm3' },
      { anonymousId: '', userId: 'x', messageId: 'm4' },
    ];
    for (const e of cases) expect(partitionKey(e)).toBe(visitorId(e));
    // Two events with the same visitor id always share a key, hence a partition.
    expect(partitionKey(cases[0]!)).toBe(partitionKey(cases[1]!));
  });
});
