import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/no-leaks.ts'],
    // Integration and e2e tests start servers, workers and ffmpeg: give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Files run in parallel, each with its own Redis prefix; two at a time fits 2 cores.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.narrate/vitest-results.json' },
  },
});
