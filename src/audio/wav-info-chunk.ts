/** RIFF INFO tags a player shows: title, artist, album (product), genre. */
export interface WavTags {
  title?: string;
  artist?: string;
  album?: string;
  genre?: string;
}

const TAG_IDS: Record<keyof WavTags, string> = { title: 'INAM', artist: 'IART', album: 'IPRD', genre: 'IGNR' };

/**
 * A `LIST`/`INFO` chunk carrying the book's tags, placed between fmt and data; it is how a WAV
 * file holds a title and an artist (ffprobe reports them as title/artist). Empty when no tag is set.
 */
export function wavInfoChunk(tags: WavTags): Buffer {
  const entries: Buffer[] = [];
  for (const [name, id] of Object.entries(TAG_IDS) as [keyof WavTags, string][]) {
    const value = tags[name];
    if (!value) continue;
    // Zero-terminated text, padded to an even length as every RIFF chunk is.
    const text = Buffer.from(`${value}\0`, 'utf8');
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(text.length, 4);
    entries.push(head, text);
    if (text.length % 2 === 1) entries.push(Buffer.alloc(1));
  }
  if (entries.length === 0) return Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from('INFO', 'latin1'), ...entries]);
  const head = Buffer.alloc(8);
  head.write('LIST', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}
