import { escapeHtml as h } from './escape-html.js';
import type { ReadAlongText } from './read-along-text.js';

/**
 * The read-along page: the book's text, a chunk to a paragraph, under one player of the whole book.
 * The sentence being heard is highlighted (the last one started, so a pause keeps the place) and
 * scrolled into view; a click or Enter on a sentence plays from there. Everything shown is escaped;
 * the script runs under the page's CSP nonce.
 */
export function readAlongHtml(options: { title: string; text: ReadAlongText; audioUrl: string; backUrl: string; nonce: string }): string {
  const { text, nonce } = options;
  const sections: string[] = [];
  let chapter = -1;
  let chunk = -1;
  let open = '';
  text.sentences.forEach((s, i) => {
    if (s.chapter !== chapter) {
      sections.push(`${open}<h2>${h(text.chapters[s.chapter - 1] ?? `Chapter ${s.chapter}`)}</h2><p>`);
      open = '</p>';
      chapter = s.chapter;
      chunk = s.chunk;
    } else if (s.chunk !== chunk) {
      sections.push('</p><p>');
      chunk = s.chunk;
    }
    sections.push(`<span class="s" id="s${i}" tabindex="0" data-start="${s.startMs}" data-end="${s.endMs}">${h(s.text)}</span> `);
  });
  sections.push(open);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(options.title)} · read along · narrate</title>
<style nonce="${h(nonce)}">${STYLE}</style></head>
<body><header><a href="${h(options.backUrl)}">← ${h(options.title)}</a>
<audio id="player" controls preload="metadata" src="${h(options.audioUrl)}"></audio></header>
<main><h1>${h(options.title)}</h1>${unalignedNote(text.unaligned)}
<div id="text">${sections.join('')}</div></main>
<script nonce="${h(nonce)}">${SCRIPT}</script>
</body></html>`;
}

/** Says which chunks are missing from the text (their audio is whole): nothing when every chunk is timed. */
function unalignedNote(chunks: readonly number[]): string {
  if (chunks.length === 0) return '';
  const [which, its] = chunks.length === 1 ? [`Chunk ${chunks[0]} has`, 'its'] : [`Chunks ${chunks.join(', ')} have`, 'their'];
  return `\n<p class="note">${which} no sentence timings (the aligner failed when narrated): ${its} text is missing here; the player plays ${its} audio.</p>`;
}

const STYLE = `body{font:18px/1.7 Georgia,serif;margin:0;color:#222;background:#fffdf8}
header{position:sticky;top:0;background:#f4f1ea;border-bottom:1px solid #ddd;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;font-family:system-ui,sans-serif;font-size:15px}
header audio{flex:1;min-width:12rem}
main{max-width:42rem;margin:0 auto;padding:1rem}
h1,h2{font-family:system-ui,sans-serif}
.s{cursor:pointer;border-radius:.2em;transition:background-color .15s}
.s:hover{background:#f1ead8}
.s.current{background:#fde68a}
.s:focus-visible{outline:2px solid #b58900}
.note{font-family:system-ui,sans-serif;font-size:15px;background:#fff4d6;border-left:4px solid #b58900;padding:.5rem .75rem}`;

// Sentences are in time order: the one heard at t is the last whose start is at or before t.
const SCRIPT = `(() => {
  const player = document.getElementById('player');
  const spans = Array.from(document.querySelectorAll('.s'));
  const starts = spans.map((s) => Number(s.dataset.start));
  let current = null;
  const at = (ms) => {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= ms) { found = mid; lo = mid + 1; } else hi = mid - 1; }
    return found < 0 ? null : spans[found];
  };
  const show = () => {
    const span = at(player.currentTime * 1000);
    if (span === current) return;
    if (current) { current.classList.remove('current'); current.removeAttribute('aria-current'); }
    current = span;
    if (span) { span.classList.add('current'); span.setAttribute('aria-current', 'true'); span.scrollIntoView({ block: 'nearest' }); }
  };
  let frame = 0;
  const tick = () => { show(); frame = player.paused ? 0 : requestAnimationFrame(tick); };
  player.addEventListener('play', () => { if (!frame) frame = requestAnimationFrame(tick); });
  for (const event of ['timeupdate', 'seeked', 'pause']) player.addEventListener(event, show);
  const seek = (span) => { player.currentTime = Number(span.dataset.start) / 1000; show(); player.play().catch(() => undefined); };
  document.getElementById('text').addEventListener('click', (e) => { const span = e.target.closest('.s'); if (span) seek(span); });
  document.getElementById('text').addEventListener('keydown', (e) => { const span = e.target.closest('.s'); if (span && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); seek(span); } });
})();`;
