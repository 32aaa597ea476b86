/** A mistake on the command line: exit code 2, the message, and no stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
