// C0 controls (ESC starts every terminal escape sequence), DEL, C1 controls (0x9b is a one-byte CSI
// to many terminals), the bidi marks, embeddings, overrides and isolates that reorder what a line
// shows (Trojan Source, CVE-2021-42574), and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw of the above (it escapes C0 itself).
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const code = char.codePointAt(0)!;
  return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * A value from a book or a user (a title, a chapter, a path, a reason) as a terminal may show it:
 * every control character, newline and tab included, and every bidi control written as an escape
 * (`\x1b`, `\x9b`, `\u202e`), so a title cannot move the cursor, retitle the window, fake a line or
 * break a tab-separated column.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}

/** printable for a message of one or more lines: its newlines are kept, everything else is escaped. */
export function printableMessage(text: string): string {
  return text.replace(CONTROL_BUT_NEWLINE, escape);
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls, and these escape what it leaves raw
 * (DEL, C1, bidi controls, U+2028/2029) as \uXXXX inside strings, which parses back to the same value.
 * `indent` 0 puts the value on one line.
 */
export function printableJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(RAW_IN_JSON, (char) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
