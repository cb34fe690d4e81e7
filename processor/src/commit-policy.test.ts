import { describe, expect, it } from 'vitest';
import { Backlog, type CommitState, commitDue, REWRITE_FLOOR_ROWS } from './commit-policy.ts';

const settings = { commitMs: 10_000, commitRows: 50_000, rewriteRatio: 10, commitMaxMs: 120_000 };
const due = (s: Partial<CommitState>) =>
  commitDue({ waited: 0, buffered: 0, rewriteRows: 0, drained: false, ...s }, settings);

describe('commitDue', () => {
  it('commits small files every commitMs, and a full buffer or a drained backlog sooner', () => {
    expect(due({ waited: 9_999, buffered: 100 })).toBe(false);
    expect(due({ waited: 10_000, buffered: 100, rewriteRows: REWRITE_FLOOR_ROWS - 1 })).toBe(true);
    expect(due({ waited: 5, buffered: 50_000, rewriteRows: 10_000_000 })).toBe(true);
    expect(due({ waited: 999, buffered: 10, drained: true })).toBe(false);
    expect(due({ waited: 1_000, buffered: 10, drained: true, rewriteRows: 10_000_000 })).toBe(true);
  });

  it('past the floor, waits until the new rows are a tenth of those written again, at most commitMaxMs', () => {
    // 200 events/s over 3 partitions, 40 minutes into the hour: 160,000 rows in the file.
    expect(due({ waited: 10_000, buffered: 670, rewriteRows: 160_000 })).toBe(false);
    expect(due({ waited: 60_000, buffered: 4_000, rewriteRows: 160_000 })).toBe(false);
    expect(due({ waited: 119_999, buffered: 7_999, rewriteRows: 160_000 })).toBe(false);
    expect(due({ waited: 120_000, buffered: 8_000, rewriteRows: 160_000 })).toBe(true);
    expect(due({ waited: 30_000, buffered: 16_000, rewriteRows: 160_000 })).toBe(true);
    // Never before commitMs, however many rows.
    expect(due({ waited: 9_000, buffered: 49_999, rewriteRows: REWRITE_FLOOR_ROWS })).toBe(false);
  });

  it('writes an hour file about 18 times over at a steady trickle, against 180 with commits every 10 s', () => {
    // 67 rows/s into one partition's hour file (200 events/s over 3 partitions), checked every
    // 250 ms as the main loop does; `written` counts the rows of each commit's whole file.
    const hour = (policy: typeof settings) => {
      let fileRows = 0;
      let written = 0;
      let commits = 0;
      let since = 0;
      for (let t = 250; t <= 3_600_000; t += 250) {
        const buffered = Math.floor(((t - since) * 67) / 1000);
        const state = { waited: t - since, buffered, rewriteRows: fileRows, drained: false };
        if (commitDue(state, policy)) {
          fileRows += buffered;
          written += fileRows;
          commits++;
          since = t;
        }
      }
      return { commits, timesOver: Math.round(written / fileRows) };
    };
    expect(hour({ ...settings, commitMaxMs: settings.commitMs })).toEqual({ commits: 360, timesOver: 181 });
    expect(hour(settings)).toEqual({ commits: 64, timesOver: 17 });
  });
});

describe('Backlog', () => {
  it('is drained when a batch reaches the high watermark after one that ended short', () => {
    const b = new Backlog();
    b.batch(99n, 100n); // caught up from the start: no backlog
    expect(b.drained).toBe(false);
    b.batch(199n, 1_000n);
    expect(b.drained).toBe(false);
    b.batch(999n, 1_000n);
    expect(b.drained).toBe(true);
    b.commitStarted();
    expect(b.drained).toBe(false);
    b.batch(1_009n, 1_010n); // caught up, a trickle: no commit at every batch
    expect(b.drained).toBe(false);
  });

  it('stays a backlog across a commit that began before its last batch', () => {
    // The catch-up's commit, due by rows, starts between its last two batches; the tail must
    // still commit at once (before: it waited commitMs, 10 s at the end of the bench's catch-up).
    const b = new Backlog();
    b.batch(49_999n, 1_000_000n);
    b.commitStarted();
    expect(b.drained).toBe(false);
    b.batch(999_999n, 1_000_000n);
    expect(b.drained).toBe(true);
  });
});
