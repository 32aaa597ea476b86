/** Escapes a value for ffmpeg's FFMETADATA1 format: '=', ';', '#', '\' and newlines take a backslash. */
export function escapeMetadata(value: string): string {
  return value.replace(/[=;#\\\n]/g, (c) => `\\${c}`);
}

/** The FFMETADATA1 text carrying the book's tags and chapter marks (timebase milliseconds). */
export function ffmetadata(tags: Record<string, string>, chapters: { title: string; startMs: number; endMs: number }[]): string {
  const lines = [';FFMETADATA1'];
  for (const [k, v] of Object.entries(tags)) if (v !== '') lines.push(`${k}=${escapeMetadata(v)}`);
  for (const c of chapters) {
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(c.startMs)}`, `END=${Math.round(c.endMs)}`, `title=${escapeMetadata(c.title)}`);
  }
  return `${lines.join('\n')}\n`;
}
