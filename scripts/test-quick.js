// `npm run test:quick`, the inner loop: the build, then two workers side by side until both are done
// (one runs the types and the unit suite in Chromium, the other starts on the Node files; the Node
// files left when the first is done are shared by both, so no more than two things ever run at once:
// with three, the unit suite beside two Node files, a Redis limit test missed its hub deadline),
// then a Chromium end-to-end smoke. Each Node file's lines are printed when it ends, whole. It
// prints each step's time and the total. `npm test` stays the whole thing (every e2e file, three
// engines); this is what to run between edits.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

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

/** Runs one Node test file; its output is held and printed whole when it ends. */
function nodeFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=dot', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => {
      const ok = code === 0;
      // A passing file's dots say little; a failing one's whole output is what to read.
      process.stdout.write(ok ? `  ✔ ${file}\n` : `  ✖ ${file} (${signal ?? `exit ${code}`})\n${output}\n`);
      resolve(ok);
    });
  });
}

/** Takes Node files from the shared queue until it is empty; resolves to the files that failed. */
async function nodeWorker(queue) {
  const failed = [];
  for (let file = queue.shift(); file; file = queue.shift()) if (!(await nodeFile(file))) failed.push(file);
  return failed;
}

async function main() {
  if ((await step('build', 'npm run build --silent')) !== 0) return 1;
  const queue = readdirSync('test/node')
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `test/node/${name}`);
  const files = queue.length;
  const nodeSince = Date.now();
  const [browserSide, nodeSide] = await Promise.all([
    (async () => {
      const types = await step('types', 'npm run typecheck --silent');
      const unit = await step('unit', 'npm run test:unit --silent');
      return { codes: [types, unit], failed: await nodeWorker(queue) };
    })(),
    nodeWorker(queue),
  ]);
  const failed = [...browserSide.failed, ...nodeSide];
  console.log(`test:quick: node (${files} files, two at a time once the unit suite is done) ${failed.length ? `failed: ${failed.join(', ')}` : 'passed'} in ${seconds(nodeSince)}`);
  if (browserSide.codes.some((code) => code !== 0) || failed.length) return 1;
  return step('e2e smoke', 'npm run test:e2e:smoke --silent');
}

const code = await main();
console.log(`test:quick: ${code === 0 ? 'passed' : 'failed'} in ${seconds(started)} (npm test runs everything)`);
process.exit(code);
