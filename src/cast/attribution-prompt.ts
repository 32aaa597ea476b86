import type { Quotation } from './chapter-quotations.js';

/** The name the model gives a quotation no single character speaks (a group, a sign, a title). */
export const NOBODY = 'narrator';

/** The JSON schema the answer must follow (OpenAI's structured output, strict): each quotation's number and speaker. */
export const ATTRIBUTION_SCHEMA = {
  type: 'object',
  properties: {
    quotations: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, speaker: { type: 'string' } },
        required: ['index', 'speaker'],
        additionalProperties: false,
      },
    },
  },
  required: ['quotations'],
  additionalProperties: false,
} as const;

/** The system message: what to answer and how to name speakers, with the cast met so far so names stay the same across chapters. */
export function attributionInstructions(known: readonly string[]): string {
  return [
    'You attribute quoted speech in one chapter of a book.',
    'Each quotation is marked [Q<n>]...[/Q<n>], numbered from 0 in reading order.',
    'Answer with every quotation number exactly once, each with the character who speaks (or thinks) it, named as the text names them ("the March Hare" as "The March Hare").',
    `Use "${NOBODY}" when no single character speaks it: a group, a sign, a title, a word quoted by the narrator.`,
    known.length === 0 ? '' : `Characters already met in this book, to be named exactly so: ${known.join('; ')}.`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** The user message: the chapter's paragraphs with each quotation marked by its number. */
export function markedChapter(paragraphs: readonly string[], quotations: readonly Quotation[]): string {
  return paragraphs
    .map((paragraph, p) => {
      let out = '';
      let from = 0;
      for (const q of quotations.filter((q) => q.paragraph === p)) {
        out += `${paragraph.slice(from, q.start)}[Q${q.index}]${q.text}[/Q${q.index}]`;
        from = q.end;
      }
      return out + paragraph.slice(from);
    })
    .join('\n\n');
}
