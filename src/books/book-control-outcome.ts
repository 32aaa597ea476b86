/**
 * What a cancel or retry did: `done`, `not-found` (no such book) or `conflict` (not possible in the
 * book's state); the message says which in words. The CLI turns it into an exit code, the dashboard
 * into an HTTP status.
 */
export interface BookControlOutcome {
  result: 'done' | 'not-found' | 'conflict';
  message: string;
}
