import { posix } from 'node:path';
import JSZip from 'jszip';
import { InputError } from '../errors.js';
import { elements, parseMarkup, textOf } from './markup.js';
import { resolveHref } from './resolve-href.js';

/** One file the OPF manifest lists. */
export interface ManifestItem {
  path: string;
  type: string;
  properties: string[];
}

/** What the OPF package file says about a book: metadata, files and reading order. */
export interface EpubPackage {
  zip: JSZip;
  /** The OPF package file's path in the zip, and its text. */
  opfPath: string;
  opfText: string;
  title?: string;
  authors: string[];
  /** The first `dc:language` (a BCP 47 tag such as "en-GB", "ja"), as written. */
  language?: string;
  /** Whether the book is fixed-layout (comics, picture books): pages are images laid out as printed. */
  fixedLayout: boolean;
  manifest: Map<string, ManifestItem>;
  /** Content documents in reading order (non-linear items left out), each with its own fixed-layout flag. */
  spine: { path: string; fixedLayout: boolean }[];
  /** The EPUB 3 navigation document, if any. */
  navPath?: string;
  /** The EPUB 2 NCX, if any. */
  ncxPath?: string;
}

/** Opens the zip and reads its container and package file; the messages say what is missing. */
export async function openPackage(buf: Buffer, name: string): Promise<EpubPackage> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(buf);
  } catch (error) {
    throw new InputError(`${name}: not an EPUB (not a zip archive)`, { cause: error });
  }
  const container = await readEntry(zip, 'META-INF/container.xml');
  if (container === undefined) throw new InputError(`${name}: not an EPUB (no META-INF/container.xml)`);
  const opfPath = elements(parseMarkup(container), 'rootfile')[0]?.getAttribute('full-path');
  const opfText = opfPath === undefined ? undefined : await readEntry(zip, opfPath);
  if (opfPath === undefined || opfText === undefined) {
    throw new InputError(`${name}: not an EPUB (no OPF package file${opfPath === undefined ? '' : ` at ${opfPath}`})`);
  }
  const opf = parseMarkup(opfText);
  const opfDir = posix.dirname(opfPath);
  const manifest = new Map<string, ManifestItem>(
    elements(opf, 'item').map((item) => [
      item.getAttribute('id') ?? '',
      {
        path: resolveHref(opfDir, item.getAttribute('href') ?? '').file,
        type: item.getAttribute('media-type') ?? '',
        properties: (item.getAttribute('properties') ?? '').split(/\s+/).filter((p) => p !== ''),
      },
    ]),
  );
  // Read from the text: the HTML parser takes <meta> for a void element and loses its content.
  const fixedLayout = /<(?:\w+:)?meta\b[^>]*\bproperty\s*=\s*["']rendition:layout["'][^>]*>\s*pre-paginated\s*</.test(opfText);
  const spine = elements(opf, 'itemref')
    // Non-linear items (pop-up notes, answers) sit outside the reading order.
    .filter((ref) => ref.getAttribute('linear') !== 'no')
    .flatMap((ref) => {
      const item = manifest.get(ref.getAttribute('idref') ?? '');
      if (!item || !/html/.test(item.type)) return [];
      const properties = ref.getAttribute('properties') ?? '';
      const own = /rendition:layout-pre-paginated/.test(properties) ? true : /rendition:layout-reflowable/.test(properties) ? false : fixedLayout;
      return [{ path: item.path, fixedLayout: own }];
    });
  const nav = [...manifest.values()].find((item) => item.properties.includes('nav'));
  const ncx = manifest.get(elements(opf, 'spine')[0]?.getAttribute('toc') ?? '') ??
    [...manifest.values()].find((item) => item.type === 'application/x-dtbncx+xml');
  const title = textOf(elements(opf, 'title')[0]);
  const language = textOf(elements(opf, 'language')[0]);
  return {
    zip,
    opfPath,
    opfText,
    ...(title === '' ? {} : { title }),
    authors: elements(opf, 'creator').map(textOf).filter((author) => author !== ''),
    ...(language === '' ? {} : { language }),
    fixedLayout,
    manifest,
    spine,
    ...(nav ? { navPath: nav.path } : {}),
    ...(ncx ? { ncxPath: ncx.path } : {}),
  };
}

/** A zip entry as text, or undefined when the archive has no such file. */
export async function readEntry(zip: JSZip, path: string): Promise<string | undefined> {
  // Zip paths are case-sensitive, but some tools write "meta-inf/container.xml".
  const entry = zip.file(path) ?? zip.file(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i'))[0];
  return entry ? entry.async('string') : undefined;
}
