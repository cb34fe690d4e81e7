import { describe, expect, it } from 'vitest';
import { readScheduleConfig } from './schedule-config.ts';

describe('readScheduleConfig', () => {
  it('has defaults: 02:30 UTC, the last two days, once at start, retry after 30 min', () => {
    expect(readScheduleConfig({})).toEqual({
      at: { hour: 2, minute: 30 },
      days: 2,
      runOnStart: true,
      retryMinutes: 30,
      statusFile: undefined,
    });
  });

  it('reads every option', () => {
    expect(
      readScheduleConfig({
        BATCH_SCHEDULE_AT: '23:05',
        BATCH_SCHEDULE_DAYS: '3',
        BATCH_RUN_ON_START: 'false',
        BATCH_RETRY_MINUTES: '0',
        BATCH_STATUS_FILE: '/tmp/status.json',
      }),
    ).toEqual({
      at: { hour: 23, minute: 5 },
      days: 3,
      runOnStart: false,
      retryMinutes: 0,
      statusFile: '/tmp/status.json',
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => readScheduleConfig({ BATCH_SCHEDULE_AT: '2:30' })).toThrow(
      /BATCH_SCHEDULE_AT=2:30: use HH:MM/,
    );
    expect(() => readScheduleConfig({ BATCH_SCHEDULE_DAYS: '0' })).toThrow(/BATCH_SCHEDULE_DAYS=0/);
    expect(() => readScheduleConfig({ BATCH_RUN_ON_START: 'yes' })).toThrow(/BATCH_RUN_ON_START=yes/);
  });
});
