/**
 * A failure the user can fix. The CLI prints `message` as one line (no stack trace); it always
 * says what went wrong and what to do about it.
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';
}
