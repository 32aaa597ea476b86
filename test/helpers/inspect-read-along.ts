/**
 * What a reader of a read-along EPUB would check: epubcheck's verdict, and every SMIL clip followed to
 * its span and its audio.
 */
import { writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import JSZip from 'jszip';
import { runTool } from './run-tool.js';

/** Debian's epubcheck package (scripts/setup.sh installs it). */
export const EPUBCHECK_JAR = '/usr/share/java/epubcheck.jar';

export interface Clip {
  smil: string;
  /** The content document's path in the zip. */
  document: string;
  id: string;
  audio: string;
  beginMs: number;
  endMs: number;
}

/** epubcheck's exit code and every ERROR or FATAL line it printed. */
export async function epubcheck(epub: Buffer, path: string): Promise<{ code: number | null; errors: string[]; output: string }> {
  await writeFile(path, epub);
  // Debian's /usr/bin/epubcheck is the jar itself, run through binfmt_misc, which containers often lack.
  const { code, stdout, stderr } = await runTool('java', ['-jar', EPUBCHECK_JAR, path]);
  const output = `${stdout.toString()}\n${stderr}`;
  return { code, errors: output.split('\n').filter((line) => /^(ERROR|FATAL)/.test(line)), output };
}

/** Every par of every SMIL document in the EPUB, resolved to zip paths. */
export async function overlayClips(zip: JSZip): Promise<Clip[]> {
  const clips: Clip[] = [];
  for (const name of Object.keys(zip.files).filter((n) => n.endsWith('.smil'))) {
    const smil = (await zip.file(name)?.async('string')) ?? '';
    const dir = posix.dirname(name);
    for (const par of smil.matchAll(/<text src="([^"#]+)#([^"]+)"\/>\s*<audio src="([^"]+)" clipBegin="([^"]+)" clipEnd="([^"]+)"\/>/g)) {
      clips.push({
        smil: name,
        document: posix.normalize(posix.join(dir, decodeURIComponent(par[1] as string))),
        id: par[2] as string,
        audio: posix.normalize(posix.join(dir, decodeURIComponent(par[3] as string))),
        beginMs: clockMs(par[4] as string),
        endMs: clockMs(par[5] as string),
      });
    }
  }
  return clips;
}

/** h:mm:ss.fff → ms. */
export function clockMs(clock: string): number {
  const [h, m, s] = clock.split(':').map(Number);
  return Math.round(((h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000);
}

/** The text of each span the read-along added, by id (they never hold markup: one span per text run). */
export function spanTexts(xhtml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xhtml.matchAll(/<span id="(narrate-s[\d-]+)">([^<]*)<\/span>/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

/** Letters and digits, lower case: how a sentence is compared with the text of its spans. */
export function letters(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** A document's text with every tag removed: what a reader sees, whatever spans were added. */
export function visibleText(xhtml: string): string {
  const body = xhtml.slice(Math.max(0, xhtml.search(/<body\b/)));
  return body.replace(/<[^>]*>/g, '');
}
