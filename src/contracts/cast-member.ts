/** One member of a book's cast: who, read by which voice, how many quotations, and their share of the book's characters. */
export interface CastMember {
  speaker: string;
  voice: string;
  lines: number;
  /** Characters of the book this voice reads, 0..1 (the narrator's included, as its own member). */
  share: number;
}
