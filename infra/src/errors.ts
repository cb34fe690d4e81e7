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
