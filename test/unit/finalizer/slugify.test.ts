import { describe, expect, it } from 'vitest';
import { titleFromFileName } from '../../../src/producer/load-book.js';
import { slugify } from '../../../src/finalizer/slugify.js';

describe('slugify', () => {
  it.each([
    ['Alice’s Adventures in Wonderland', 'alice-s-adventures-in-wonderland'],
    ['../../etc/passwd', 'etc-passwd'],
    ['Café Noir', 'cafe-noir'],
    ['///', 'book'],
  ])('%j → %j', (title, slug) => expect(slugify(title)).toBe(slug));
  it('never exceeds 80 characters', () => expect(slugify('word '.repeat(50)).length).toBeLessThanOrEqual(80));
});

describe('titleFromFileName', () => {
  it.each([
    ['books/02-the-storm.md', '02 The Storm'],
    ['alice.txt', 'Alice'],
    ['iOS_notes.md', 'iOS Notes'],
    ['NASA-report.txt', 'NASA Report'],
    ['---.txt', 'Untitled'],
  ])('%j → %j', (path, title) => expect(titleFromFileName(path)).toBe(title));
});
