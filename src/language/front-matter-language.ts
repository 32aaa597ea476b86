import { parse as parseYaml } from 'yaml';

/**
 * The `language:` (or `lang:`, as Pandoc and Hugo write it) of a Markdown file's YAML front matter, as
 * written; undefined when there is no front matter, it is not YAML, or it names no language.
 */
export function frontMatterLanguage(markdown: string): string | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\r?\n/.exec(markdown);
  if (match === null) return undefined;
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? '');
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const record = data as Record<string, unknown>;
  const value = record.language ?? record.lang;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
