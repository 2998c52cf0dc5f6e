// `npm run test:quick`, the inner loop: build and types, then the unit suite (Chromium) and the Node
// suite side by side (the Node files one at a time: two at once beside the unit suite made a
// Redis limit test miss its hub deadline), then a Chromium end-to-end smoke. It prints each step's time and the total.
// `npm test` stays the whole thing (every e2e file, three engines); this is what to run between edits.
import { spawn } from 'node:child_process';

const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/** Runs `command` with the shell, forwarding its output; resolves to its exit code. */
function step(name, command) {
  const since = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      console.log(`test:quick: ${name} ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${seconds(since)}`);
      resolve(code ?? 1);
    });
  });
}

async function main() {
  for (const [name, command] of [
    ['build', 'npm run build --silent'],
    ['types', 'npm run typecheck --silent'],
  ]) {
    if ((await step(name, command)) !== 0) return 1;
  }
  const side = await Promise.all([
    step('unit', 'npm run test:unit --silent'),
    step('node', 'node --import tsx --test --test-concurrency=1 --test-reporter=dot test/node/*.test.ts'),
  ]);
  if (side.some((code) => code !== 0)) return 1;
  return step('e2e smoke', 'npm run test:e2e:smoke --silent');
}

const code = await main();
console.log(`test:quick: ${code === 0 ? 'passed' : 'failed'} in ${seconds(started)} (npm test runs everything)`);
process.exit(code);
