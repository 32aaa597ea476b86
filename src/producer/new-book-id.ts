import { randomBytes } from 'node:crypto';

/** A new book's id: its slug (cut to 40 characters, for people) and a time and random tail (for uniqueness). */
export function newBookId(slug: string): string {
  return `${slug.slice(0, 40)}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}
