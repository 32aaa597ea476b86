/** The name that stands for the narrator in a cast map (`cast: { narrator: alloy }`) and in the plan. */
export const NARRATOR = 'narrator';

/**
 * A speaker's name as the cast shows it: spaces tidied, a leading article capitalised ("the March
 * Hare" → "The March Hare"), so the same character named in two ways is one speaker. Pure.
 */
export function speakerName(raw: string): string {
  const name = raw.replace(/\s+/gu, ' ').trim();
  return name.replace(/^the /u, 'The ');
}

/** The key two spellings of one speaker share: case and a leading "the" ignored ("the Queen", "Queen", "THE QUEEN"). */
export function speakerKey(name: string): string {
  return speakerName(name).toLowerCase().replace(/^the /u, '');
}
