import { normalisePagePath } from '@clickstream/schema';
import { describe, expect, it } from 'vitest';
import { MinuteWindows } from './minute-windows.ts';
import { pageKey } from './page-key.ts';
import { sessionEventOf } from './sessionize.ts';

const HOSTILE = [
  '/Caf%C3%A9/',
  '/Cafe\u0301?ref=x',
  '/Café#top',
  '//a/./b/../c/',
  '/%2f%zz',
  '=cmd|x',
  '',
  '/\n',
];

describe('the stream names pages as the batch does', () => {
  it('gives the batch normalisation for hostile paths, and null for none', () => {
    for (const raw of HOSTILE) expect(pageKey(raw)).toBe(normalisePagePath(raw));
    expect(pageKey(null)).toBeNull();
    expect(pageKey('/Caf%C3%A9/')).toBe(pageKey('/Café'));
  });

  it('counts spellings of one page as one page in the minute and in a session', () => {
    const windows = new MinuteWindows();
    const row = (page_path: string) =>
      ({ site_id: 's', event_time: Date.parse('2026-11-24T10:00:10Z'), type: 'page', page_path }) as never;
    for (const p of ['/Caf%C3%A9/', '/Café?utm_source=x', '/Café']) windows.update(row(p), 'v');
    const { pages } = windows.takeChanges();
    expect(pages.map((p) => [p.page_path, p.page_views])).toEqual([['/Café', 3]]);
    expect(sessionEventOf(row('/Caf%C3%A9/?x')).path).toBe('/Café');
  });
});
