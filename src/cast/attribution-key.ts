import { createHash } from 'node:crypto';

/**
 * The content key a chapter's attribution is cached under: the model and the chapter's text. The
 * same chapter read again (a re-run, a retry, another book holding it) costs no call; a changed word
 * or another model asks again.
 */
export function attributionKey(model: string, paragraphs: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([1, model, paragraphs])).digest('hex');
}
