// One warning line per interval instead of one per failed request: during a Kafka outage every
// request fails the same way (three short outages once wrote 17,335 identical lines). The first
// failure after a quiet interval is logged at once, so an outage is visible immediately; the ones
// that follow within the interval are counted and logged together when it ends.

export interface WarningAggregator {
  /** One failure: its error message and how many events it concerned. */
  record(err: string, events: number): void;
  /** Logs what was counted and not yet logged (at shutdown). */
  flush(): void;
}

export interface AggregateOptions {
  readonly message: string;
  readonly intervalMs: number;
  readonly warn: (fields: Record<string, unknown>, message: string) => void;
}

export function aggregateWarnings({ message, intervalMs, warn }: AggregateOptions): WarningAggregator {
  let timer: NodeJS.Timeout | undefined;
  let counted: { failures: number; events: number; lastError: string } | undefined;

  const endInterval = () => {
    timer = undefined;
    if (counted === undefined) return; // a quiet interval: the next failure is logged at once
    const { failures, events, lastError } = counted;
    counted = undefined;
    warn(
      { failures, events, intervalMs, err: lastError },
      `${message}: ${failures} more time(s) in the last ${intervalMs / 1000} s`,
    );
    timer = setTimeout(endInterval, intervalMs).unref();
  };

  return {
    record(err, events) {
      if (timer === undefined) {
        warn({ failures: 1, events, err }, message);
        timer = setTimeout(endInterval, intervalMs).unref();
        return;
      }
      counted ??= { failures: 0, events: 0, lastError: err };
      counted.failures++;
      counted.events += events;
      counted.lastError = err;
    },
    flush() {
      clearTimeout(timer);
      endInterval();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
