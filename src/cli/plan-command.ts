import type { Config } from '../config.js';
import { languageName } from '../language/parse-language-tag.js';
import { plannedBook, type PlanDocument, type PlannedBook } from '../producer/plan-document.js';
import { sumEstimates } from '../producer/plan-estimate.js';
import { prepareBooks } from '../producer/prepare-books.js';
import { estimateCost, formatUsd } from '../money/estimate-cost.js';
import { loadPrices, pricesFor } from '../money/prices.js';
import { estimateAttribution } from '../money/estimate-attribution.js';
import type { CliIo } from './io.js';
import { parseSubmitFlags, type RawSubmitFlags } from './submit-flags.js';
import { UsageError } from '../errors.js';
import { printable, printableJson, printableMessage } from './printable.js';

/** Flags of `plan`: submit's, and the two other forms of output. */
export interface RawPlanFlags extends RawSubmitFlags {
  /** Print exactly what will be spoken, with chapter markers. */
  text?: boolean;
  /** Print one JSON document. */
  json?: boolean;
}

/**
 * `narrate plan`: what submit would queue, without Redis and without a model call. The books are
 * read and chunked by prepareBooks, the same function submit and run use, so the plan is the book.
 * 0 when every input was planned, 1 when any could not be read, 2 for a usage error.
 */
export async function planCommand(inputs: string[], flags: RawPlanFlags, config: Config, io: CliIo): Promise<number> {
  if (flags.text === true && flags.json === true) throw new UsageError('--text and --json: choose one form of output');
  const options = parseSubmitFlags(flags);
  // The same estimate submit prints and checks --max-cost against, from the same price table,
  // read first: a bad NARRATE_PRICES stops the plan before a book is read. The offline voice costs
  // nothing; its plan still shows what the chat-audio model would cost.
  const provider = config.provider === 'speech' ? 'speech' : 'chat-audio';
  const prices_ = loadPrices(config.pricesFile);
  const prices = pricesFor(prices_, config.model, provider);
  const prepared = await prepareBooks(inputs, options, config, { planOnly: true });
  for (const warning of prepared.warnings) io.stderr.write(`warning: ${printableMessage(warning)}\n`);
  for (const f of prepared.failures) io.stderr.write(`error: ${printableMessage(f.reason)}\n`);
  const books = prepared.books.map((prepared) => {
    const book = plannedBook(prepared);
    const c = estimateCost(prepared.plan.synthesize, prices, { provider, model: config.model });
    book.estimate.cost = {
      model: config.model,
      provider,
      expectedCalls: c.calls,
      inputTokens: c.inputTokens,
      textOutputTokens: c.textOutputTokens,
      audioOutputTokens: c.audioOutputTokens,
      ...(prices.charactersPerM === undefined ? {} : { characters: c.characters }),
      costUsd: c.costUsd,
    };
    // With a key, submit asks the chat model once per chapter with quotations: counted here, as calls and dollars.
    if (prepared.cast !== undefined && config.provider !== 'offline' && config.apiKey !== undefined) {
      const attribution = estimateAttribution(prepared.cast, config.castModel, pricesFor(prices_, config.castModel));
      book.estimate.cost.attribution = attribution;
      book.estimate.cost.expectedCalls += attribution.calls;
      book.estimate.cost.costUsd += attribution.costUsd;
      book.estimate.modelCalls += attribution.calls;
    }
    return book;
  });
  if (flags.json === true) {
    const document: PlanDocument = { books, estimate: sumEstimates(books.map((b) => b.estimate)) };
    io.stdout.write(`${printableJson(document)}\n`);
  } else if (flags.text === true) {
    for (const book of books) io.stdout.write(spokenText(book));
  } else {
    for (const book of books) io.stdout.write(summary(book) + (flags.cast !== undefined && flags.cast !== 'off' ? castTable(book) : ''));
    if (books.length > 1) io.stdout.write(`all ${books.length} books: ${estimateLine(sumEstimates(books.map((b) => b.estimate)))}\n`);
  }
  if (books.length === 0 && prepared.failures.length === 0) io.stderr.write('nothing to plan: no input could be read\n');
  return prepared.failures.length === 0 && books.length > 0 ? 0 : 1;
}

/** Title, author, language; one line per chapter; the totals. */
function summary(book: PlannedBook): string {
  const lines = [
    `${printable(book.title)}${book.author === '' ? '' : ` by ${printable(book.author)}`}`,
    `  language: ${languageName(book.language)} (${book.language}, ${book.languageSource})   voice: ${printable(book.voice)}   output: ${printable(book.output)}`,
  ];
  const width = String(book.chapters.length).length;
  book.chapters.forEach((c, i) => {
    const n = String(i + 1).padStart(width);
    lines.push(`  ${n}. ${printable(c.title)}  —  ${plural(c.chunks.length, 'chunk')}, ${c.chars.toLocaleString('en-US')} chars, ~${c.minutes.toFixed(1)} min`);
  });
  lines.push(`  total: ${plural(book.chapters.length, 'chapter')}, ${estimateLine(book.estimate)}`, '');
  return `${lines.join('\n')}\n`;
}

/** `plan --cast`: the cast, one line per voice: speaker, voice, quotations, share of the book's characters. */
function castTable(book: PlannedBook): string {
  if (book.cast === undefined) return `  cast: none (the narrator reads everything)\n\n`;
  const how = book.castBy === 'cues' ? 'by the text\'s cues' : 'by the chat model';
  const width = Math.max(7, ...book.cast.map((m) => printable(m.speaker).length));
  const lines = [`  cast (${how}; ${book.cast.length - 1} speaker${book.cast.length === 2 ? '' : 's'}):`, `    ${'speaker'.padEnd(width)}  ${'voice'.padEnd(8)}  lines  share`];
  for (const m of book.cast) lines.push(`    ${printable(m.speaker).padEnd(width)}  ${printable(m.voice).padEnd(8)}  ${String(m.lines).padStart(5)}  ${(m.share * 100).toFixed(1).padStart(4)}%`);
  return `${lines.join('\n')}\n\n`;
}

function estimateLine(e: PlannedBook['estimate']): string {
  const line = `${plural(e.chunks, 'chunk')}, ${e.characters.toLocaleString('en-US')} characters, ~${e.audioMinutes.toFixed(1)} min of audio, ${plural(e.modelCalls, 'model call')} (at least)`;
  if (!e.cost) return line;
  const c = e.cost;
  const n = (x: number) => x.toLocaleString('en-US');
  // What the model bills: characters (tts-1), or tokens (no transcript comes back from the speech endpoint).
  const billed =
    c.characters !== undefined
      ? `${n(c.characters)} characters`
      : c.provider === 'speech'
        ? `${n(c.inputTokens)} input / ${n(c.audioOutputTokens)} audio out tokens`
        : `${n(c.inputTokens)} input / ${n(c.textOutputTokens)} text out / ${n(c.audioOutputTokens)} audio out tokens`;
  const via = c.provider === 'speech' ? ' (speech endpoint)' : '';
  const cast = c.attribution === undefined ? '' : `\n  of which the cast's attribution with ${c.attribution.model}: ${plural(c.attribution.calls, 'call')} (one per chapter with dialogue; none for a chapter already attributed), ${n(c.attribution.inputTokens)} input / ${n(c.attribution.outputTokens)} output tokens, ~${formatUsd(c.attribution.costUsd)}`;
  return `${line}\n  estimate with ${c.model}${via}: ~${plural(c.expectedCalls, 'call')} with retries, ${billed}, ~${formatUsd(c.costUsd)}${cast}`;
}

/**
 * Exactly what will be spoken: each chunk's text as sent to the model, a blank line between chunks,
 * and a marker line before each chapter (markers are not spoken; everything else is).
 */
function spokenText(book: PlannedBook): string {
  const out = [`==== ${printable(book.title)} (${book.language}) ====`, ''];
  book.chapters.forEach((c, i) => {
    out.push(`---- chapter ${i + 1}/${book.chapters.length}: ${printable(c.title)} ----`, '');
    // A chunk's text is one paragraph or more: its newlines stay, any control character is shown escaped.
    for (const chunk of c.chunks) out.push(printableMessage(chunk.text), '');
  });
  return `${out.join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
