/** One sentence piece of a content document, played from a chapter's audio file. */
export interface OverlayClip {
  /** The span's id in the content document. */
  id: string;
  /** The audio file, relative to the SMIL document. */
  audio: string;
  clipBeginMs: number;
  clipEndMs: number;
}

/** A clock value as EPUB's media:duration and SMIL's clip times write it: h:mm:ss.fff. */
export function clockValue(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor(total / 60_000) % 60;
  const seconds = Math.floor(total / 1000) % 60;
  const millis = total % 1000;
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}.${String(millis).padStart(3, '0')}`;
}

/**
 * The SMIL document of one content document (EPUB Media Overlays 3.x): a `par` per sentence piece in
 * reading order, pairing the span (`text src="doc.xhtml#id"`) with its clip of the chapter audio.
 */
export function mediaOverlay(textHref: string, clips: readonly OverlayClip[]): string {
  const pars = clips.map(
    (clip, i) =>
      `    <par id="par${i + 1}">\n` +
      `      <text src="${escapeXml(`${textHref}#${clip.id}`)}"/>\n` +
      `      <audio src="${escapeXml(clip.audio)}" clipBegin="${clockValue(clip.clipBeginMs)}" clipEnd="${clockValue(clip.clipEndMs)}"/>\n` +
      '    </par>\n',
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">\n' +
    // No seq around the pars: a seq's epub:textref must name a fragment (epubcheck MED-014), and the
    // document as a whole has none to name.
    '  <body>\n' +
    pars.join('') +
    '  </body>\n' +
    '</smil>\n'
  );
}

/** The sum of the clips' lengths: what media:duration says for this overlay. */
export function overlayDurationMs(clips: readonly OverlayClip[]): number {
  return clips.reduce((sum, clip) => sum + Math.round(clip.clipEndMs) - Math.round(clip.clipBeginMs), 0);
}

/** Text made safe for an XML attribute or element. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

