import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';

/** test/fixtures/epub: hand-written XHTML content documents, one rule each. */
export const EPUB_FIXTURES = fileURLToPath(new URL('../fixtures/epub', import.meta.url));

/** A fixture content document's text. */
export function fixture(name: string): string {
  return readFileSync(`${EPUB_FIXTURES}/${name}`, 'utf8');
}

export interface EpubSpec {
  title?: string;
  language?: string;
  /** rendition:layout pre-paginated (a comic, a picture book). */
  fixedLayout?: boolean;
  /** Content documents in spine order (paths relative to OEBPS/). */
  docs: { path: string; xhtml: string }[];
  /** Other files (an embedded document, an image), not in the spine. */
  extra?: { path: string; data: string | Buffer; type: string }[];
  /** The nav document's entries (href relative to OEBPS/); nested entries with `children`. */
  toc: TocSpec[];
}

export interface TocSpec {
  label: string;
  href: string;
  children?: TocSpec[];
}

/** Zips an EPUB 3 (mimetype first, container, OPF, nav) from hand-written documents. */
export async function buildEpub(spec: EpubSpec): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file(
    'META-INF/container.xml',
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
  );
  const items = spec.docs.map((doc, i) => `<item id="d${i}" href="${doc.path}" media-type="application/xhtml+xml"/>`);
  const extra = (spec.extra ?? []).map((file, i) => `<item id="x${i}" href="${file.path}" media-type="${file.type}"/>`);
  zip.file(
    'OEBPS/content.opf',
    `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:test:${spec.title ?? 'fixture'}</dc:identifier>
    <dc:title>${spec.title ?? 'Fixture'}</dc:title>
    <dc:creator>A. Tester</dc:creator>
    ${spec.language ? `<dc:language>${spec.language}</dc:language>` : ''}
    ${spec.fixedLayout ? '<meta property="rendition:layout">pre-paginated</meta>' : ''}
  </metadata>
  <manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>${items.join('')}${extra.join('')}</manifest>
  <spine>${spec.docs.map((_, i) => `<itemref idref="d${i}"/>`).join('')}</spine>
</package>`,
  );
  const list = (entries: TocSpec[]): string =>
    `<ol>${entries.map((e) => `<li><a href="${e.href}">${e.label}</a>${e.children ? list(e.children) : ''}</li>`).join('')}</ol>`;
  zip.file(
    'OEBPS/nav.xhtml',
    `<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Nav</title></head><body>
<nav epub:type="toc">${list(spec.toc)}</nav>
<nav epub:type="landmarks"><ol><li><a epub:type="bodymatter" href="${spec.docs[0]?.path ?? ''}">Start reading</a></li></ol></nav></body></html>`,
  );
  for (const doc of spec.docs) zip.file(`OEBPS/${doc.path}`, doc.xhtml);
  for (const file of spec.extra ?? []) zip.file(`OEBPS/${file.path}`, file.data);
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** A one-document book from a fixture file, its toc one entry. */
export async function singleDocEpub(name: string, options: Partial<EpubSpec> = {}): Promise<Buffer> {
  return buildEpub({ docs: [{ path: name, xhtml: fixture(name) }], toc: [{ label: 'Chapter', href: name }], ...options });
}
