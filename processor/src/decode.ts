// A Kafka message -> a collected event, or the reason it cannot be one (for the dead-letter topic).
import { type CollectedEvent, validateCollectedEvent } from '@clickstream/schema';

export type Decoded =
  | { readonly ok: true; readonly event: CollectedEvent }
  | {
      readonly ok: false;
      readonly reason: 'invalid-json' | 'invalid-collected-event';
      readonly detail: string;
    };

export function decode(value: Buffer | null): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? '');
  } catch (err) {
    return { ok: false, reason: 'invalid-json', detail: err instanceof Error ? err.message : String(err) };
  }
  const result = validateCollectedEvent(parsed);
  if (result.ok) return { ok: true, event: result.value };
  const first = result.issues[0];
  return {
    ok: false,
    reason: 'invalid-collected-event',
    detail: `${first?.path || '/'}: ${first?.message ?? 'invalid'}`,
  };
}
