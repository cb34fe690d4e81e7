// Errors a user can fix (a bad option, a lake or database that cannot be reached): the CLI prints
// their message as one line, without a stack.
export class BatchError extends Error {
  override readonly name = 'BatchError';
}
