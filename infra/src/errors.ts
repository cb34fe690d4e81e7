/**
 * A failure the user can fix. The CLI prints `message` as one line (no stack trace); it always
 * says what went wrong and what to do about it.
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';
}

/** The system or client error code behind a failed request (`fetch` puts it on `cause`), if any. */
export function causeCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * An error's message and those it aggregates, e.g. @platformatic/kafka's "initProducerId failed 3
 * times." with the reasons of the three tries.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const inner = err instanceof AggregateError ? [...new Set(err.errors.map((e) => errorText(e)))] : [];
  return inner.length > 0 ? `${err.message} (${inner.join('; ')})` : err.message;
}
