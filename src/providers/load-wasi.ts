import type { WASI } from 'node:wasi';

let loaded: Promise<typeof WASI> | undefined;

/**
 * node:wasi's WASI class, loaded on first use. Node 20 and 22 print "WASI is an experimental feature"
 * on stderr when the module loads; that line would land in every offline `narrate run`, so exactly
 * that warning is held back while the module loads and every other warning goes through as usual.
 * (The preview1 API used here is the one the module has had since Node 20 and is not changing.)
 */
export function loadWasi(): Promise<typeof WASI> {
  loaded ??= (async () => {
    const emitWarning = process.emitWarning;
    process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
      const text = typeof warning === 'string' ? warning : warning.message;
      if (/^WASI is an experimental feature/.test(text)) return;
      return (emitWarning as (w: string | Error, ...r: unknown[]) => void).call(this, warning, ...rest);
    } as typeof process.emitWarning;
    try {
      return (await import('node:wasi')).WASI;
    } finally {
      process.emitWarning = emitWarning;
    }
  })();
  return loaded;
}
