import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { isUrl } from '../store/store-location.js';
import { isInside } from './open-served-file.js';
import type { AudioPlace } from './render-books.js';

/**
 * Where an audio file stands for the page, by its path alone (no disk access on every update): a
 * bucket URL, under one of the served folders (as given, or with their symlinks resolved at start),
 * or elsewhere. Serving checks again, on disk, with every symlink resolved.
 */
export function placeOfAudio(serve: readonly string[]): (file: string) => AudioPlace {
  const roots = serve.flatMap((dir) => {
    const given = resolve(dir);
    try {
      return [given, realpathSync(given)];
    } catch {
      return [given];
    }
  });
  return (file) => {
    if (isUrl(file)) return 'remote';
    return roots.some((root) => isInside(root, resolve(file))) ? 'served' : 'elsewhere';
  };
}
