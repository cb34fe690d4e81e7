import { NOTIFY_CHANNEL as PROCESSOR_CHANNEL } from '@clickstream/processor';
import { describe, expect, it } from 'vitest';
import { NOTIFY_CHANNEL } from './live-server.ts';

describe('NOTIFY_CHANNEL', () => {
  // The live server does not load the processor at run time; this keeps the two names equal.
  it("is the processor's", () => {
    expect(NOTIFY_CHANNEL).toBe(PROCESSOR_CHANNEL);
  });
});
