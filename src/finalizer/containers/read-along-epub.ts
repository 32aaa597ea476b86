import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import JSZip from 'jszip';
import type { BookSentence } from '../../align/book-sentence.js';
import { InputError } from '../../errors.js';
import { openPackage } from '../../epub/open-package.js';
import { wrapSentences, type SourceDocument } from '../../epub/wrap-sentences.js';
import { clockValue, escapeXml, mediaOverlay, overlayDurationMs, type OverlayClip } from './media-overlay.js';

/** One chapter's audio file and where the chapter sits on the book's timeline. */
export interface ChapterAudio {
  /** 1-based, as BookSentence.chapter. */
  chapter: number;
  /** An MP3 or AAC (.m4a) file: EPUB's core audio types, which every reading system plays. */
  path: string;
  /** audio/mpeg or audio/mp4; by default from the path's extension. */
  type?: string;
  startMs: number;
  durationMs: number;
}

/** What a read-along EPUB is made from. */
export interface ReadAlongInput {
  /** The EPUB 3 to synchronize: the source book, or textBookEpub's for a text book. */
  epub: Buffer;
  /** Named in messages. */
  name: string;
  sentences: readonly BookSentence[];
  audio: readonly ChapterAudio[];
}

/** The read-along EPUB, and how many sentences it synchronizes. */
export interface ReadAlongEpub {
  epub: Buffer;
  synchronized: number;
  /** Spoken sentences not found in the book's documents (a table announced, math spoken): heard, not highlighted. */
  unsynchronized: number;
  durationMs: number;
}

/** The class a reading system puts on the sentence being heard (media:active-class), styled in readalong.css. */
export const ACTIVE_CLASS = '-epub-media-overlay-active';
const STYLE = `.${ACTIVE_CLASS} { background-color: #fde68a; color: inherit; border-radius: 0.15em; }\n`;
const AUDIO_TYPES: Readonly<Record<string, string>> = { '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4', '.mp4': 'audio/mp4', '.aac': 'audio/mp4' };

/**
 * Adds EPUB 3 Media Overlays to a book: every spoken sentence wrapped in a span (epub/wrap-sentences.ts),
 * a SMIL document per content document pairing each span with its clip of the chapter audio, the audio
 * inside the EPUB, media:duration per overlay and for the book, and media:active-class with its CSS rule.
 * Everything else of the book (documents, styles, images, navigation, metadata) is kept as it was.
 */
export async function readAlongEpub(input: ReadAlongInput): Promise<ReadAlongEpub> {
  const pkg = await openPackage(input.epub, input.name);
  const version = /<(?:\w+:)?package\b[^>]*\bversion\s*=\s*["']([^"']+)["']/.exec(pkg.opfText)?.[1] ?? '';
  if (!version.startsWith('3')) {
    throw new InputError(`${input.name}: a read-along book needs an EPUB 3 source (this one says version "${version}"); convert it to EPUB 3 (e.g. with Calibre) or narrate its text`);
  }
  const opfDir = posix.dirname(pkg.opfPath);
  const inOpfDir = (path: string): string => (opfDir === '.' ? path : `${opfDir}/${path}`);
  const audioType = (path: string): string => {
    const type = AUDIO_TYPES[posix.extname(path).toLowerCase()];
    if (type === undefined) throw new InputError(`${path}: read-along audio must be MP3 or AAC (.mp3, .m4a), the audio every EPUB reader plays`);
    return type;
  };
  const audio = new Map(
    input.audio.map((a) => {
      const type = a.type ?? audioType(a.path);
      const zipPath = inOpfDir(`audio/chapter-${String(a.chapter).padStart(3, '0')}${type === 'audio/mpeg' ? '.mp3' : '.m4a'}`);
      return [a.chapter, { ...a, type, zipPath }];
    }),
  );

  // The navigation document lists the chapter titles too: a heading is wrapped where it is read, not in the list.
  const spinePaths = pkg.spine.map((s) => s.path).filter((path) => path !== pkg.navPath);
  const documents: SourceDocument[] = [];
  for (const path of spinePaths) {
    const source = await pkg.zip.file(path)?.async('string');
    if (source !== undefined) documents.push({ path, source });
  }
  const wrapped = wrapSentences(
    documents,
    input.sentences.map((s) => s.text),
  );

  const clipsOf = documents.map((): (OverlayClip & { zipAudio: string })[] => []);
  let synchronized = 0;
  input.sentences.forEach((sentence, i) => {
    const pieces = wrapped.pieces[i] ?? [];
    const file = audio.get(sentence.chapter);
    if (pieces.length === 0 || file === undefined) return;
    const begin = clamp(sentence.startMs - file.startMs, 0, file.durationMs);
    const end = clamp(sentence.endMs - file.startMs, 0, file.durationMs);
    let share = 0;
    let counted = false;
    for (const piece of pieces) {
      // A sentence split by markup plays its clip across its pieces, in proportion to their letters.
      const from = Math.round(begin + (end - begin) * share);
      share += piece.share;
      const to = Math.round(begin + (end - begin) * share);
      if (to <= from) continue;
      clipsOf[piece.document]?.push({ id: piece.id, audio: '', zipAudio: file.zipPath, clipBeginMs: from, clipEndMs: to });
      counted = true;
    }
    if (counted) synchronized++;
  });

  const out = new JSZip();
  out.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  const replaced = new Map<string, string>();
  const manifestItems: string[] = [];
  const overlayMetas: string[] = [];
  const overlayOf = new Map<string, string>();
  const cssPath = inOpfDir('readalong/readalong.css');
  let totalMs = 0;
  wrapped.documents.forEach((doc, d) => {
    const clips = clipsOf[d] ?? [];
    if (clips.length === 0) return;
    const smilPath = inOpfDir(`readalong/overlay-${d + 1}.smil`);
    const smilDir = posix.dirname(smilPath);
    const smil = mediaOverlay(
      href(smilDir, doc.path),
      clips.map((clip) => ({ id: clip.id, audio: href(smilDir, clip.zipAudio), clipBeginMs: clip.clipBeginMs, clipEndMs: clip.clipEndMs })),
    );
    const id = `narrate-overlay-${d + 1}`;
    const duration = overlayDurationMs(clips);
    totalMs += duration;
    replaced.set(smilPath, smil);
    manifestItems.push(`<item id="${id}" href="${escapeXml(href(opfDir, smilPath))}" media-type="application/smil+xml"/>`);
    overlayMetas.push(`<meta property="media:duration" refines="#${id}">${clockValue(duration)}</meta>`);
    overlayOf.set(doc.path, id);
    replaced.set(doc.path, linkStyle(doc.source, href(posix.dirname(doc.path), cssPath)));
  });
  replaced.set(cssPath, STYLE);
  manifestItems.push(`<item id="narrate-readalong-css" href="${escapeXml(href(opfDir, cssPath))}" media-type="text/css"/>`);
  for (const file of audio.values()) {
    manifestItems.push(`<item id="narrate-audio-${file.chapter}" href="${escapeXml(href(opfDir, file.zipPath))}" media-type="${file.type}"/>`);
  }
  const metas = [...overlayMetas, `<meta property="media:duration">${clockValue(totalMs)}</meta>`, `<meta property="media:active-class">${ACTIVE_CLASS}</meta>`];
  replaced.set(pkg.opfPath, updatePackage(pkg.opfText, pkg.manifest, overlayOf, manifestItems, metas, input.name));

  for (const entry of Object.values(pkg.zip.files)) {
    if (entry.dir || entry.name === 'mimetype' || replaced.has(entry.name)) continue;
    out.file(entry.name, await entry.async('uint8array'));
  }
  for (const [path, text] of replaced) out.file(path, text);
  for (const file of audio.values()) {
    // Audio does not shrink under deflate; stored, a reader can stream it from the zip.
    out.file(file.zipPath, await readFile(file.path), { compression: 'STORE' });
  }
  const epub = await out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  return { epub, synchronized, unsynchronized: input.sentences.length - synchronized, durationMs: totalMs };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** A zip path as a relative URL from a directory, each segment percent-encoded. */
function href(fromDir: string, path: string): string {
  const relative = fromDir === '.' ? path : posix.relative(fromDir, path);
  return relative.split('/').map(encodeURIComponent).join('/');
}

/** The content document with the read-along stylesheet linked, so the active class shows. */
function linkStyle(source: string, cssHref: string): string {
  const link = `<link rel="stylesheet" type="text/css" href="${escapeXml(cssHref)}"/>`;
  const headEnd = /<\/(?:[\w-]+:)?head\s*>/i.exec(source);
  return headEnd ? source.slice(0, headEnd.index) + link + source.slice(headEnd.index) : source;
}

/**
 * The OPF with the overlays declared: `media-overlay` on each synchronized document's item, the new files
 * in the manifest, the durations and active class in the metadata. Edited as text so the publisher's
 * package is otherwise untouched.
 */
function updatePackage(
  opf: string,
  manifest: ReadonlyMap<string, { path: string }>,
  overlayOf: ReadonlyMap<string, string>,
  items: readonly string[],
  metas: readonly string[],
  name: string,
): string {
  let text = opf;
  for (const [id, item] of manifest) {
    const overlay = overlayOf.get(item.path);
    if (overlay === undefined) continue;
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    text = text.replace(new RegExp(`(<(?:[\\w-]+:)?item\\b[^>]*?\\bid\\s*=\\s*(["'])${escaped}\\2[^>]*?)(\\s*/?>)`), `$1 media-overlay="${overlay}"$3`);
  }
  const manifestEnd = /<\/([\w-]+:)?manifest\s*>/.exec(text);
  const metadataEnd = /<\/([\w-]+:)?metadata\s*>/.exec(text);
  if (!manifestEnd || !metadataEnd) throw new InputError(`${name}: its OPF package file has no manifest or metadata to add the read-along to`);
  // Written with the package's own prefix (some OPFs are all `opf:`), so they land in the OPF namespace.
  const prefix = manifestEnd[1] ?? '';
  const itemText = items.map((item) => `    ${item.replace(/^<item\b/, `<${prefix}item`)}\n`).join('');
  text = text.slice(0, manifestEnd.index) + itemText + text.slice(manifestEnd.index);
  const metaEnd = /<\/([\w-]+:)?metadata\s*>/.exec(text) as RegExpExecArray;
  const metaPrefix = metaEnd[1] ?? '';
  const metaText = metas.map((meta) => `    ${meta.replace(/^<meta\b/, `<${metaPrefix}meta`).replace(/<\/meta>$/, `</${metaPrefix}meta>`)}\n`).join('');
  return text.slice(0, metaEnd.index) + metaText + text.slice(metaEnd.index);
}
