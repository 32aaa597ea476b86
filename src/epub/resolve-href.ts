import { posix } from 'node:path';

/** An href resolved against the folder of the file that holds it: the zip path, and the fragment if any. */
export function resolveHref(dir: string, href: string): { file: string; fragment: string } {
  const [rawFile = '', fragment = ''] = href.split('#', 2);
  let file = rawFile;
  try {
    file = decodeURIComponent(rawFile);
  } catch {
    // A stray "%" in a file name: keep the name as written.
  }
  return { file: posix.normalize(posix.join(dir, file)).replace(/^\.\//, ''), fragment };
}
