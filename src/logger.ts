import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs on stderr (stdout belongs to the command's own output). Redaction is a second
 * line of defence: nothing logs the key in the first place.
 */
export function createLogger(level: string, name = 'narrate'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization'], censor: '[hidden]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
