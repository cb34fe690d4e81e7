import { describe, expect, it } from 'vitest';
import { describeUserAgent, USER_AGENT_CACHE_SIZE } from './describe-user-agent.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('describeUserAgent', () => {
  it('parses device, browser, OS and the bot flag; nothing for no User-Agent', () => {
    expect(describeUserAgent(IPHONE)).toEqual({
      device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
      browser: { name: 'Mobile Safari', version: '17.0' },
      os: { name: 'iOS', version: '17.0' },
      isBot: false,
    });
    expect(describeUserAgent('Googlebot/2.1 (+http://www.google.com/bot.html)').isBot).toBe(true);
    expect(describeUserAgent(undefined).device.type).toBe('unknown');
    expect(describeUserAgent('').device.type).toBe('unknown');
  });

  it('remembers recent strings (same frozen result) and forgets the least recent beyond its size', () => {
    const first = describeUserAgent(IPHONE);
    expect(describeUserAgent(IPHONE)).toBe(first);
    expect(Object.isFrozen(first.device)).toBe(true);
    for (let i = 0; i < USER_AGENT_CACHE_SIZE; i++) describeUserAgent(`agent/${i}`);
    const again = describeUserAgent(IPHONE);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
