#!/usr/bin/env node
// The published entry: the compiled CLI lives in dist/ (built by `npm run build`, which setup runs).
import { main } from '../dist/cli/main.js';

// The AWS SDK's own switch for its NodeVersionSupportWarning (SDK releases after January 2027 will
// need Node 22; narrate runs on Node 20): without it every command that builds an S3 client prints
// the same nine lines on stderr. It silences that warning only; set it to "false" to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv);
