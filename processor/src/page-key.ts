// The page a real-time metric or a session names: the batch's normalisation (normalisePagePath in
// schema/), so `/Caf%C3%A9/`, `/Café?ref=x` and `/Café` are one page in the stream as in the daily
// marts. Real traffic repeats a few thousand paths, so results are remembered; the memory is
// bounded by starting over when it is full (a rare miss costs one normalisation, never a wrong key).
import { normalisePagePath } from '@clickstream/schema';

const MAX_REMEMBERED = 20_000;
let remembered = new Map<string, string | null>();

export function pageKey(raw: string | null): string | null {
  if (raw === null) return null;
  let key = remembered.get(raw);
  if (key === undefined) {
    key = normalisePagePath(raw);
    if (remembered.size >= MAX_REMEMBERED) remembered = new Map();
    remembered.set(raw, key);
  }
  return key;
}
