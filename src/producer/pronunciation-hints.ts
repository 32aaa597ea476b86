// A chunk names at most this many readings: enough for a passage, short enough to keep the instructions small.
const MAX_HINTS = 20;

/**
 * The readings (from the book's ruby) of words that occur in one chunk, as "山路 = やまみち; 智 = ち":
 * only where they help, the words this chunk contains, longest first so a compound's reading comes
 * before its parts'.
 */
export function pronunciationHints(text: string, readings: ReadonlyMap<string, string>): string {
  const found = [...readings].filter(([base]) => text.includes(base));
  found.sort((a, b) => b[0].length - a[0].length);
  return found
    .slice(0, MAX_HINTS)
    .map(([base, reading]) => `${base} = ${reading}`)
    .join('; ');
}
