// Limits every event must meet before it is validated: its size as JSON (Segment's 32 KB) and how
// deeply it nests. Both are measured in one walk without recursion, first, so that a hostile event
// (a 100,000-level object fits in a 500 KB body) cannot overflow the stack of JSON.stringify here or
// of a reader further down the pipeline. The walk also bounds the size from above; only an event
// whose bound is over the limit is serialized to count its bytes exactly.
import type { ValidationIssue } from '@clickstream/schema';

export const MAX_EVENT_BYTES = 32 * 1024;
/** Nesting levels an event may have (`{"properties":{"a":1}}` has 2); real events use a handful. */
export const MAX_EVENT_DEPTH = 32;

// Most UTF-8 bytes JSON.stringify can write per UTF-16 unit of a string: a control character
// becomes `\u001f` (6 bytes); anything else takes at most 3.
const BYTES_PER_UNIT = 6;
// A number is at most 24 characters (`-1.2345678901234567e-308`); `false` and `null` at most 5.
const SCALAR_BYTES = 24;

/** Whether `value` nests objects or arrays more than `max` levels deep, and an upper bound of its JSON size. */
export function measureEvent(value: unknown, maxDepth: number): { tooDeep: boolean; maxBytes: number } {
  let maxBytes = 0;
  // Two parallel stacks rather than one of [value, depth] pairs: no allocation per value walked.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    // Every value may be followed by a comma.
    maxBytes += 1;
    if (typeof v === 'string') {
      maxBytes += v.length * BYTES_PER_UNIT + 2;
      continue;
    }
    if (typeof v !== 'object' || v === null) {
      maxBytes += SCALAR_BYTES;
      continue;
    }
    if (depth + 1 > maxDepth) return { tooDeep: true, maxBytes };
    maxBytes += 2; // brackets
    if (Array.isArray(v)) {
      for (const child of v) {
        values.push(child);
        depths.push(depth + 1);
      }
    } else {
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        maxBytes += key.length * BYTES_PER_UNIT + 3; // quotes and colon
        values.push((v as Record<string, unknown>)[key]);
        depths.push(depth + 1);
      }
    }
  }
  return { tooDeep: false, maxBytes };
}

/** The first limit `raw` breaks, or null. */
export function eventLimitIssue(raw: unknown): ValidationIssue | null {
  const { tooDeep, maxBytes } = measureEvent(raw, MAX_EVENT_DEPTH);
  if (tooDeep) return { path: '', message: `event nests deeper than ${MAX_EVENT_DEPTH} levels` };
  if (maxBytes <= MAX_EVENT_BYTES) return null;
  if (Buffer.byteLength(JSON.stringify(raw ?? null)) > MAX_EVENT_BYTES)
    return { path: '', message: `event is larger than ${MAX_EVENT_BYTES} bytes` };
  return null;
}
