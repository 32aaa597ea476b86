import { StoreRefusedError, type StoreRefusal } from '../errors.js';

/** System error codes that mean a write will not succeed until someone acts, and what each means. */
const REFUSALS: Readonly<Record<string, StoreRefusal>> = { ENOSPC: 'full', EDQUOT: 'full', EROFS: 'read-only', EACCES: 'denied', EPERM: 'denied' };

/** The refusal a failed file write (or anything in its cause chain) stands for, with its code; undefined for any other failure. */
export function storeRefusal(error: unknown): { refusal: StoreRefusal; code: string } | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StoreRefusedError) return { refusal: e.refusal, code: e.code };
    const code = (e as NodeJS.ErrnoException).code;
    const refusal = typeof code === 'string' ? REFUSALS[code] : undefined;
    if (refusal !== undefined && typeof code === 'string') return { refusal, code };
  }
  return undefined;
}

/** What a refusal says about a store: "no space left in the segment store file:///x (ENOSPC)" and the like. */
export function refusedMessage(what: string, url: string, refused: { refusal: StoreRefusal; code: string }): string {
  switch (refused.refusal) {
    case 'full':
      return `no space left in the ${what} ${url} (${refused.code})`;
    case 'read-only':
      return `the ${what} ${url} is read-only (${refused.code})`;
    case 'denied':
      return `the ${what} ${url} refused the write: permission denied (${refused.code})`;
  }
}
