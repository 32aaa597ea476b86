#!/usr/bin/env bash
# One-time setup on a fresh machine: system packages narrate needs, then the npm dependencies
# (from the lockfile) and the build. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# libFLAC's own command-line tool: the tests check the FLAC books narrate writes with `flac -t`.
command -v flac >/dev/null 2>&1 || missing+=(flac)
# pocketsphinx (CMU's recognizer) and its US English model are an independent listener for the offline
# voice: `npm run bench -- --only voices` measures each voice's word error rate with them, and a test checks
# the default English voice is understood. Narrating never needs them. Debian 12 names the program
# pocketsphinx_continuous (0.8), Debian 13 pocketsphinx (5.x); both packages keep these names.
if ! { command -v pocketsphinx_continuous >/dev/null 2>&1 || command -v pocketsphinx >/dev/null 2>&1; } \
  || [ ! -d /usr/share/pocketsphinx/model/en-us/en-us ]; then missing+=(pocketsphinx pocketsphinx-en-us); fi
# Voices other than narrate's own, for the aligner's tests and bench (speech with known sentence boundaries):
# flite (English) and festival with an Italian voice, genuinely different engines from espeak-ng.
command -v flite >/dev/null 2>&1 || missing+=(flite)
command -v text2wave >/dev/null 2>&1 || missing+=(festival)
[ -d /usr/share/festival/voices/italian/lp_diphone ] || missing+=(festvox-italp16k)
[ -d /usr/share/festival/voices/italian/pc_diphone ] || missing+=(festvox-itapc16k)
# epubcheck (the W3C's EPUB validator, with the Java runtime it pulls): the tests check every read-along EPUB
# with it. Run as `java -jar /usr/share/java/epubcheck.jar`: /usr/bin/epubcheck is the jar itself, which
# needs binfmt_misc, and containers often lack it. Narrating never needs it.
[ -f /usr/share/java/epubcheck.jar ] || missing+=(epubcheck)
# Chromium is only for the dashboard's browser test; NARRATE_SKIP_CHROMIUM=1 leaves it out.
if [ "${NARRATE_SKIP_CHROMIUM:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian's packages"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" ping >/dev/null 2>&1; then
  echo "setup: warning: Redis does not answer at ${REDIS_URL:-redis://127.0.0.1:6379}; start it before narrating" >&2
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done. Try: npm run demo"
