import { basename } from 'node:path';

/**
 * A chapter title as a file name: characters no common file system takes (and control characters)
 * become spaces, a leading dot is dropped so the file is not hidden, and the name is kept under
 * 120 characters. An empty title gives "Chapter N". Pure.
 */
export function chapterFileTitle(title: string, chapter: number): string {
  const clean = title
    .replace(/[/\\:*?"<>|\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 120)
    .trim();
  return clean === '' ? `Chapter ${chapter + 1}` : clean;
}

/** An extended M3U playlist of a split book's chapter files, in order, each named relative to the playlist. Pure. */
export function chapterPlaylist(entries: readonly { file: string; title: string; durationMs: number }[]): string {
  const lines = ['#EXTM3U'];
  for (const e of entries) lines.push(`#EXTINF:${Math.round(e.durationMs / 1000)},${e.title.replace(/[\r\n]+/g, ' ')}`, basename(e.file));
  return `${lines.join('\n')}\n`;
}
