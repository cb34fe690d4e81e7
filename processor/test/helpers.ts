// Helpers for the processor's integration tests: run the real processor as a child process and
// make collected events.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import { type Service, spawnService } from '@clickstream/infra/services';
import type { CollectedEvent } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';

/** The real processor as a child process. */
export function startProcessor(env: Record<string, string>): Service {
  return spawnService('processor', join(REPO_ROOT, 'processor', 'src', 'main.ts'), env);
}

/** `n` collected events spread over two hours of 2026-11-24 (10:xx and 11:xx UTC), 20 visitors. */
export function makeEvents(n: number): CollectedEvent[] {
  const base = collectedEvents['order-completed'] as CollectedEvent;
  return Array.from({ length: n }, (_, i) => {
    const t = Date.parse('2026-11-24T10:30:00.000Z') + Math.floor((i * 3_600_000) / n);
    const page = i % 3 !== 0;
    return {
      ...base,
      type: page ? 'page' : 'track',
      event: page ? null : 'Product Viewed',
      messageId: randomUUID(),
      anonymousId: `visitor-${i % 20}`,
      timestamp: new Date(t).toISOString(),
      receivedAt: new Date(t + 100).toISOString(),
      properties: page ? {} : { product_id: `p-${i % 7}` },
    };
  });
}

export const freshName = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;
