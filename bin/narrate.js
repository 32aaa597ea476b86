#!/usr/bin/env node
// The published entry: the compiled CLI lives in dist/ (built by `npm run build`, which setup runs).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
