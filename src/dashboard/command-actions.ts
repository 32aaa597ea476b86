import type { Config } from '../config.js';
import { cancelCommand } from '../cli/cancel-command.js';
import type { CliIo } from '../cli/io.js';
import { retryCommand } from '../cli/retry-command.js';
import type { ActionOutcome, BookActions } from './book-actions.js';

/**
 * The Books page's buttons as `narrate cancel` and `narrate retry` themselves, so a book is
 * cancelled or retried by one piece of code whichever way the operator asks. What the command
 * prints becomes the message; its exit code the HTTP status (0: done, 1: unknown book or a state
 * that does not allow it).
 */
export function commandActions(config: Config): BookActions {
  return {
    cancel: (bookId) => run((io) => cancelCommand(bookId, {}, config, io)),
    retry: (bookId) => run((io) => retryCommand(bookId, {}, config, io)),
  };
}

async function run(command: (io: CliIo) => Promise<number>): Promise<ActionOutcome> {
  let text = '';
  const sink = { write: (chunk: string | Uint8Array) => ((text += String(chunk)), true) } as unknown as NodeJS.WriteStream;
  const code = await command({ stdout: sink, stderr: sink, env: {} });
  const message = text.trim();
  if (code === 0) return { status: 200, message };
  return { status: /^no book /.test(message) ? 404 : 409, message };
}
