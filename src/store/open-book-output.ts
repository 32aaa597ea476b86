import { DirBookOutput, type BookOutput } from './book-output.js';
import type { S3Settings } from './s3-settings.js';
import { isUrl, parseS3Url } from './store-location.js';

/** Opens the output of a book's `outDir` (a directory path or an s3:// URL). */
export type OpenBookOutput = (outDir: string) => Promise<BookOutput>;

/** Directories only: what tests and the bench use where no S3 is configured. */
export const dirOutputs: OpenBookOutput = async (outDir) => new DirBookOutput(outDir);

/**
 * The opener the workers use: directories as they are, s3:// through a client made from `s3`.
 * The AWS SDK is loaded only when a book goes to S3 (it costs half a second of CPU to load).
 */
export function bookOutputs(s3: S3Settings): OpenBookOutput {
  return async (outDir) => {
    if (!isUrl(outDir)) return new DirBookOutput(outDir);
    const { S3BookOutput } = await import('./s3-book-output.js');
    return new S3BookOutput(parseS3Url(outDir), s3);
  };
}

/** Opens a book's output, runs `work` with it, and closes it on every exit path. */
export async function withBookOutput<T>(outputs: OpenBookOutput, outDir: string, work: (out: BookOutput) => Promise<T>): Promise<T> {
  const out = await outputs(outDir);
  try {
    return await work(out);
  } finally {
    await out.close();
  }
}
