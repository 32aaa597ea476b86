import { posix } from 'node:path';
import { elements, parseMarkup } from '../../epub/markup.js';
import { openPackage, readEntry } from '../../epub/open-package.js';
import { resolveHref } from '../../epub/resolve-href.js';

/** An EPUB's own cover image, as its package names it. */
export interface EpubCover {
  bytes: Buffer;
  /** The zip path, for messages. */
  path: string;
}

/**
 * The cover image an EPUB declares: EPUB 3's manifest item with the `cover-image` property, or
 * EPUB 2's `<meta name="cover" content="item-id">`. Undefined when it names none or the file is absent.
 */
export async function readEpubCover(buf: Buffer, name: string): Promise<EpubCover | undefined> {
  const pkg = await openPackage(buf, name);
  let path = [...pkg.manifest.values()].find((item) => item.properties.includes('cover-image'))?.path;
  if (path === undefined) {
    const opfPath = elements(parseMarkup((await readEntry(pkg.zip, 'META-INF/container.xml')) ?? ''), 'rootfile')[0]?.getAttribute('full-path');
    const opfText = opfPath === undefined ? undefined : await readEntry(pkg.zip, opfPath);
    if (opfPath !== undefined && opfText !== undefined) {
      const id = elements(parseMarkup(opfText), 'meta').find((m) => m.getAttribute('name') === 'cover')?.getAttribute('content');
      const item = id === undefined ? undefined : elements(parseMarkup(opfText), 'item').find((i) => i.getAttribute('id') === id);
      const href = item?.getAttribute('href');
      if (href) path = resolveHref(posix.dirname(opfPath), href).file;
    }
  }
  if (path === undefined) return undefined;
  const entry = pkg.zip.file(path) ?? pkg.zip.file(decodeURIComponent(path));
  if (!entry) return undefined;
  return { bytes: await entry.async('nodebuffer'), path };
}
