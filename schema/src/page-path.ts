// The one normalisation of page paths, so `/Caf%C3%A9/`, `/Café` (decomposed é) and `/Café` count as
// one page everywhere (the batch's marts; the stream should use the same function). Rules, in order:
//
//   1. Only the path: anything from the first `?` or `#` on is dropped (server libraries sometimes
//      send a path with its query string).
//   2. Percent-encoding: sequences that decode to UTF-8 text are decoded, except the characters
//      that would change the path's structure or meaning (`/`, `?`, `#`, `%`) and control
//      characters (U+0000-U+001F, U+007F), which stay encoded. Sequences that are not valid UTF-8
//      stay encoded. Every encoding left is written with upper-case hex (`%2f` -> `%2F`).
//   3. Control characters that arrive unencoded are encoded (`\n` -> `%0A`): paths stay one line.
//   4. Unicode normal form NFC.
//   5. Dot segments are resolved (`/a/./b/../c` -> `/a/c`), repeated slashes collapse, the path
//      starts with `/`, and a trailing slash is dropped (except for the root `/`).
//   6. Letter case is kept (paths are case-sensitive on most servers).
// An empty path is `/`; a missing one (null) stays null.

const HEX = '0123456789ABCDEF';
const KEEP_ENCODED = new Set(['/', '?', '#', '%']);

const isControl = (code: number) => code <= 0x1f || code === 0x7f;
const encodeByte = (b: number) => `%${HEX[b >> 4]}${HEX[b & 15]}`;

/** Length of the UTF-8 sequence that starts with `b`, or 0 if `b` cannot start one. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one run of %XX bytes per rule 2. */
function decodeBytes(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const len = sequenceLength(b);
    let text: string | null = null;
    if (len > 0 && i + len <= bytes.length) {
      try {
        text = strictUtf8.decode(Uint8Array.from(bytes.slice(i, i + len)));
      } catch {
        text = null;
      }
    }
    if (text === null) {
      out += encodeByte(b);
      i += 1;
      continue;
    }
    const code = text.codePointAt(0) as number;
    out += KEEP_ENCODED.has(text) || isControl(code) ? encodeByte(b) : text;
    i += len;
  }
  return out;
}

function decodePercent(path: string): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const ch = path[i] as string;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(path.slice(i + 1, i + 3))) {
      run.push(Number.parseInt(path.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (run.length > 0) {
      out += decodeBytes(run);
      run = [];
    }
    const code = ch.charCodeAt(0);
    out += isControl(code) ? encodeByte(code) : ch;
  }
  return run.length > 0 ? out + decodeBytes(run) : out;
}

function resolveSegments(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** The page path as every report counts it (see the rules above). */
export function normalisePagePath(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const cut = raw.search(/[?#]/);
  const path = cut === -1 ? raw : raw.slice(0, cut);
  return resolveSegments(decodePercent(path).normalize('NFC'));
}
