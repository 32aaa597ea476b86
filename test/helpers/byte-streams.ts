/** Small adapters between arrays and the async streams the container writers take and yield. */

/** Every chunk of `chunks`, concatenated. */
export async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return Buffer.concat(out);
}

/** The items of an array as an async stream. */
export async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
