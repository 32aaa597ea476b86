import { writeFileSync } from 'node:fs';
import { loadBook } from './src/producer/load-book.js';
import { attributeByCues } from './src/cast/attribute-by-cues.js';
import { chapterQuotations } from './src/cast/chapter-quotations.js';
const book = await loadBook('../shared/corpus/alice.txt');
const ch = book.chapters.find((c) => /Tea-Party/.test(c.title))!;
const qs = chapterQuotations(ch.paragraphs);
const sp = attributeByCues(ch.paragraphs);
// Hand corrections after reading the chapter (see the fixture's note).
const fix: Record<number, string | null> = { 72: 'The Hatter', 76: 'The Hatter', 120: null };
const quotations = qs.map((q) => ({ index: q.index, text: q.text, speaker: q.index in fix ? fix[q.index]! : sp[q.index]! }));
writeFileSync('test/fixtures/cast/tea-party-speakers.json', JSON.stringify({
  note: 'Chapter VII of Alice\'s Adventures in Wonderland (../shared/corpus/alice.txt, as narrate reads it): every quotation in reading order with the speaker the text names, checked by hand against the text. null: the text names no single speaker (a group: "they cried", "the Hatter and the March Hare went \'Sh! sh!\'"). Songs quoted inside a speech are the singer\'s.',
  source: 'alice.txt', chapter: ch.title, quotations }, null, 1) + '\n');
