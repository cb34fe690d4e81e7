import { describe, expect, it } from 'vitest';
import { newClusterId } from './kafka-server.ts';

describe('newClusterId', () => {
  it('is 22 base64url characters and never starts with "-" (the storage tool would read an option)', () => {
    // 0xf8 encodes to "-" first in base64url; the next draw is used instead.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
    const id = newClusterId(() => draws.shift()!);
    expect(id).toBe(Buffer.alloc(16, 0x41).toString('base64url'));
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    for (let i = 0; i < 2000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
