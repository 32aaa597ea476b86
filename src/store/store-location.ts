/**
 * Where segments and books live, parsed from a URL: `file:///dir` (or a plain path) or
 * `s3://bucket/prefix`. Pure: config.ts and the CLI call it, nothing here reads the environment.
 */

/** A directory on this machine's filesystem. */
export interface FileLocation {
  kind: 'file';
  /** The directory as given (relative paths resolve against the working directory). */
  dir: string;
  /** For messages: `file:///abs/dir` or the relative path as given. */
  url: string;
}

/** A bucket and a key prefix ('' or ending in '/'). */
export interface S3Location {
  kind: 's3';
  bucket: string;
  /** Key prefix: empty, or without a leading slash and with one trailing slash. */
  prefix: string;
  /** For messages and manifests: `s3://bucket/prefix/` (never a credential). */
  url: string;
}

export type StoreLocation = FileLocation | S3Location;

// S3's bucket naming rules (3-63 of lowercase letters, digits, dots and hyphens, a letter or digit
// at each end); S3-compatible servers accept a subset of what this allows at most.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Any `scheme://`: what a user typing a URL means, as opposed to a relative path. */
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** Whether `text` looks like a URL (scheme://...), not a path. */
export function isUrl(text: string): boolean {
  return HAS_SCHEME.test(text.trim());
}

/**
 * Parses `s3://bucket/prefix`; throws an Error whose message says what is expected and what was
 * given (the caller prefixes the variable or flag name).
 */
export function parseS3Url(text: string): S3Location {
  const trimmed = text.trim();
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(trimmed);
  if (!match) throw new Error(`an s3://bucket/prefix URL, got ${JSON.stringify(text)}`);
  const bucket = match[1] ?? '';
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new Error(`an S3 bucket name (3-63 lowercase letters, digits, "." or "-") in s3://bucket/prefix, got ${JSON.stringify(text)}`);
  }
  const parts = (match[2] ?? '').split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) throw new Error(`a prefix without "." or ".." parts, got ${JSON.stringify(text)}`);
  const prefix = parts.length === 0 ? '' : `${parts.join('/')}/`;
  return { kind: 's3', bucket, prefix, url: `s3://${bucket}/${prefix}` };
}

/** Parses NARRATE_STORE_URL's value: file:///absolute/dir or s3://bucket/prefix. */
export function parseStoreUrl(text: string): StoreLocation {
  const trimmed = text.trim();
  if (/^s3:\/\//i.test(trimmed)) return parseS3Url(trimmed);
  if (/^file:\/\//i.test(trimmed)) {
    let dir: string;
    try {
      const url = new URL(trimmed);
      if (url.host !== '' && url.host !== 'localhost') throw new Error('remote host');
      dir = decodeURIComponent(url.pathname);
    } catch {
      throw new Error(`file:///absolute/path (no host), got ${JSON.stringify(text)}`);
    }
    if (dir === '' || dir === '/') throw new Error(`file:///absolute/path naming a directory, got ${JSON.stringify(text)}`);
    return { kind: 'file', dir, url: `file://${dir}` };
  }
  throw new Error(`file:///absolute/path or s3://bucket/prefix, got ${JSON.stringify(text)}`);
}

/** A directory path given as such (NARRATE_STORE_DIR), as a location. */
export function fileLocation(dir: string): FileLocation {
  return { kind: 'file', dir, url: dir.startsWith('/') ? `file://${dir}` : dir };
}
