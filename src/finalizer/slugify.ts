/**
 * A file name from a title: ASCII letters, digits and single dashes, at most 80 characters.
 * It cannot hold a path separator or "..", so `--title ../../x` stays inside `--out`.
 */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug === '' ? 'book' : slug;
}
