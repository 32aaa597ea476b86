/**
 * `npm run bench` (after the build): fleet throughput, a naive baseline, the rate limiter, a
 * worker's memory and the finalizer, all measured on this machine in one run. Prints each number
 * as it is measured, writes bench/RESULTS.md, and ends with a one-line summary.
 *   npm run bench -- --quick
 *   npm run bench -- --chunks 2000 --latency 250 --workers 2 --concurrency 16 --only fleet,rate
 *   npm run bench -- --only align --align-chunks 100
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupAll, installExitHandlers } from './cleanup.js';
import { parseOptions, SECTIONS, type BenchOptions, type Section } from './options.js';
import { ROOT } from './processes.js';
import { describeMachine, renderResults, Report } from './report.js';
import { fleetSection } from './section-fleet.js';
import { finalizeSection } from './section-finalize.js';
import { finishSection } from './section-finish.js';
import { memorySection } from './section-memory.js';
import { rateSection } from './section-rate.js';
import { voicesSection } from './section-voices.js';
import { alignSection } from './section-align.js';
import { readalongSection } from './section-readalong.js';
import { libraryListings } from './library-listings.js';
import { castSection } from './section-cast.js';
import { alignCostSection } from './section-align-cost.js';
import { librarySection } from './section-library.js';

const SECTION_RUNNERS: Record<Section, (o: BenchOptions, r: Report) => Promise<void>> = {
  fleet: fleetSection,
  rate: rateSection,
  memory: memorySection,
  finalize: finalizeSection,
  finish: finishSection,
  voices: voicesSection,
  align: alignSection,
  readalong: readalongSection,
  listings: (o, r) => libraryListings(o, r),
  cast: castSection,
  'align-cost': alignCostSection,
  library: librarySection,
};

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  installExitHandlers(options.timeout * 1000);
  const started = Date.now();
  const machine = await describeMachine();
  process.stdout.write(`bench${options.quick ? ' (quick)' : ''}: ${machine.cpu} × ${machine.cores}, ${machine.memory}, node ${machine.node}, ${machine.ffmpeg}\n`);
  process.stdout.write(`creating a file: ${machine.fileCreate}\n`);
  const report = new Report();
  let failed = 0;
  for (const section of options.sections) {
    try {
      await SECTION_RUNNERS[section](options, report);
    } catch (error) {
      // One broken section must not hide the others' numbers; it is reported and the run fails.
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      report.add({ section, metric: 'section failed', value: message.split('\n')[0] ?? message, target: 'runs', ok: false });
      report.summary.push(`${section} FAILED`);
    }
  }
  await cleanupAll();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  // A smoke run or a run of some sections must not overwrite the full run's committed results.
  const partial = options.sections.length < SECTIONS.length;
  const results = join(ROOT, 'bench', options.quick ? 'RESULTS-quick.md' : partial ? 'RESULTS-partial.md' : 'RESULTS.md');
  await writeFile(results, renderResults(report, machine, options, command, (Date.now() - started) / 1000));
  process.stdout.write(`\nwrote ${results}\n`);
  const missed = report.rows.filter((r) => r.ok === false).length;
  process.stdout.write(`bench: ${report.summary.join(', ')}${missed > 0 ? ` (${missed} target(s) missed)` : ''}\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
