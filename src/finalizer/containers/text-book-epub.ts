import JSZip from 'jszip';
import { escapeXml } from './media-overlay.js';

/** A book read from text or Markdown, as the EPUB shows it. */
export interface TextBook {
  /** A stable identifier (urn:narrate:<bookId>). */
  identifier: string;
  title: string;
  author?: string;
  /** BCP 47. */
  language: string;
  /** When the book was made (dcterms:modified). */
  modified: Date;
  chapters: readonly { title: string; paragraphs: readonly string[] }[];
}

const STYLE = 'body { font-family: serif; line-height: 1.5; margin: 1em; }\nh1 { text-align: center; }\n.title-page { text-align: center; margin-top: 30%; }\n';

/** Where each chapter's document sits in the zip the function makes. */
export function chapterDocumentPath(chapter: number): string {
  return `OEBPS/chapter-${String(chapter).padStart(3, '0')}.xhtml`;
}

/**
 * An EPUB 3 made from a text book: a title page, the navigation document, one XHTML document per
 * chapter (its title as the heading, then its paragraphs). The read-along writer then treats it like any
 * other EPUB, so a book from text and one from an EPUB get their overlays from the same code.
 */
export async function textBookEpub(book: TextBook): Promise<Buffer> {
  const zip = new JSZip();
  // The OCF container wants the mimetype first and stored, so a reader can sniff it at a fixed offset.
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file(
    'META-INF/container.xml',
    '<?xml version="1.0" encoding="UTF-8"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n' +
      '  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>\n</container>\n',
  );
  zip.file('OEBPS/style.css', STYLE);
  const lang = escapeXml(book.language);
  zip.file(
    'OEBPS/title.xhtml',
    xhtml(lang, book.title, `<section class="title-page" epub:type="titlepage">\n<h1>${escapeXml(book.title)}</h1>\n${book.author ? `<p>${escapeXml(book.author)}</p>\n` : ''}</section>`),
  );
  const entries = book.chapters.map((chapter, i) => {
    const path = chapterDocumentPath(i + 1);
    const [first, ...rest] = chapter.paragraphs;
    // The heard heading is the chapter's first paragraph: shown once, as the heading.
    const heading = first !== undefined && sameWords(first, chapter.title) ? first : chapter.title;
    const body = first !== undefined && sameWords(first, chapter.title) ? rest : chapter.paragraphs;
    zip.file(
      path,
      xhtml(lang, chapter.title, `<section epub:type="chapter">\n<h1>${escapeXml(heading)}</h1>\n${body.map((p) => `<p>${escapeXml(p)}</p>`).join('\n')}\n</section>`),
    );
    return { id: `chapter-${i + 1}`, href: path.slice('OEBPS/'.length), title: chapter.title };
  });
  zip.file(
    'OEBPS/nav.xhtml',
    xhtml(
      lang,
      'Contents',
      `<nav epub:type="toc" id="toc">\n<h1>Contents</h1>\n<ol>\n${entries.map((e) => `<li><a href="${escapeXml(e.href)}">${escapeXml(e.title)}</a></li>`).join('\n')}\n</ol>\n</nav>`,
    ),
  );
  const modified = book.modified.toISOString().replace(/\.\d{3}Z$/, 'Z');
  zip.file(
    'OEBPS/content.opf',
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="${lang}">\n` +
      '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n' +
      `    <dc:identifier id="uid">${escapeXml(book.identifier)}</dc:identifier>\n` +
      `    <dc:title>${escapeXml(book.title)}</dc:title>\n` +
      (book.author ? `    <dc:creator>${escapeXml(book.author)}</dc:creator>\n` : '') +
      `    <dc:language>${lang}</dc:language>\n` +
      `    <meta property="dcterms:modified">${modified}</meta>\n` +
      '  </metadata>\n  <manifest>\n' +
      '    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>\n' +
      '    <item id="style" href="style.css" media-type="text/css"/>\n' +
      '    <item id="title" href="title.xhtml" media-type="application/xhtml+xml"/>\n' +
      entries.map((e) => `    <item id="${e.id}" href="${escapeXml(e.href)}" media-type="application/xhtml+xml"/>\n`).join('') +
      '  </manifest>\n  <spine>\n    <itemref idref="title"/>\n    <itemref idref="nav" linear="no"/>\n' +
      entries.map((e) => `    <itemref idref="${e.id}"/>\n`).join('') +
      '  </spine>\n</package>\n',
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

function xhtml(lang: string, title: string, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n' +
    `<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${lang}" lang="${lang}">\n` +
    `<head>\n<meta charset="UTF-8"/>\n<title>${escapeXml(title)}</title>\n<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n` +
    `<body>\n${body}\n</body>\n</html>\n`
  );
}

function sameWords(a: string, b: string): boolean {
  const letters = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  return letters(a) === letters(b);
}
