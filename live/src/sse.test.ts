import { describe, expect, it } from 'vitest';
import { sseFrame } from './sse.ts';

describe('sseFrame', () => {
  it('writes one event, JSON on a data line', () => {
    expect(sseFrame('delta', { a: 1 })).toBe('event: delta\ndata: {"a":1}\n\n');
  });
  it('splits text with line breaks into several data lines (a bare newline would end the event)', () => {
    expect(sseFrame('note', 'one\ntwo\r\nthree')).toBe('event: note\ndata: one\ndata: two\ndata: three\n\n');
  });
});
