/**
 * Promise.all that waits for every promise to settle before it throws the first failure. Writers
 * run side by side (chapter files beside the book) must all have stopped before their caller
 * cleans up: Promise.all would reject at the first failure while an ffmpeg still runs, and the
 * scratch file it creates after the clean-up (a full disk fails one writer first) stays behind.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
