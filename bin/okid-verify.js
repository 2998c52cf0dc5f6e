#!/usr/bin/env node
// The `okid-verify` command: `okid-verify check`, the live check for going live. The logic lives
// in src/server/check/cli.ts; main never throws and resolves the exit code.
import { main } from '../dist/check-cli.js';

process.exitCode = await main(process.argv.slice(2));
