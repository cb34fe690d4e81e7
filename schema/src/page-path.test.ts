import { describe, expect, it } from 'vitest';
import { normalisePagePath } from './page-path.ts';

describe('normalisePagePath', () => {
  it('keeps only the path, starting with one slash, without a trailing slash', () => {
    expect(normalisePagePath('/products/cup/?ref=x#top')).toBe('/products/cup');
    expect(normalisePagePath('')).toBe('/');
    expect(normalisePagePath('/')).toBe('/');
    expect(normalisePagePath('products//cup///')).toBe('/products/cup');
    expect(normalisePagePath('/a/./b/../c')).toBe('/a/c');
    expect(normalisePagePath(null)).toBeNull();
  });

  it('decodes UTF-8 percent-encoding and applies NFC, so every spelling of a page is one page', () => {
    const spellings = ['/Caf%C3%A9/', '/Cafe\u0301', '/Caf\u00e9', '/Caf%c3%a9'];
    expect(new Set(spellings.map(normalisePagePath))).toEqual(new Set(['/Café']));
    expect(normalisePagePath('/a%20b+c')).toBe('/a b+c');
  });

  it('keeps structural characters, controls and invalid UTF-8 encoded, in upper-case hex', () => {
    expect(normalisePagePath('/a%2fb%3F%23%25')).toBe('/a%2Fb%3F%23%25');
    expect(normalisePagePath('/a%0ab')).toBe('/a%0Ab');
    expect(normalisePagePath('/a\nb\tc')).toBe('/a%0Ab%09c');
    expect(normalisePagePath('/bad%C3%28%FF')).toBe('/bad%C3(%FF');
    expect(normalisePagePath('/50%off')).toBe('/50%off');
  });

  it('keeps case and CSV-hostile but printable characters', () => {
    expect(normalisePagePath('/A,"b"=c')).toBe('/A,"b"=c');
  });
});
