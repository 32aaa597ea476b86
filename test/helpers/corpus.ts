import { fileURLToPath } from 'node:url';

/** ../shared/corpus beside the repository: real public-domain books (CI clones main next to shared/). */
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
