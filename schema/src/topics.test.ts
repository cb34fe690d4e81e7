import { describe, expect, it } from 'vitest';
import { partitionKey, topicNames } from './topics.ts';

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
    expect(partitionKey({ anonymousId: null, userId: 'u1', messageId: 'm1' })).toBe('u:u1');
    expect(partitionKey({ anonymousId: null, userId: null, messageId: 'm1' })).toBe('m:m1');
  });
});
