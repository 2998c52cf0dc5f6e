#!/usr/bin/env node
// The `okid-sandbox` command: a local okID emulator. The logic lives in src/sandbox/cli.ts.
import { main } from '../dist/sandbox-cli.js';

main(process.argv.slice(2)).catch((error) => {
  console.error(`okid-sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
