// First step of `npm test`: makes sure the machine has what the suites need beyond npm, a
// Chromium for the browser suites and redis-server for the multi-instance tests. As root with
// apt-get (a fresh Debian machine, CI) it installs what is missing; elsewhere it stops at once
// with the one command to run, instead of failing dozens of tests one by one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';
import { chromiumExecutable, onPath } from './chromium.js';

/** What is missing, as Debian package names. */
function missing() {
  const packages = [];
  const chosen = chromiumExecutable();
  if (process.env.CHROMIUM_PATH && !existsSync(process.env.CHROMIUM_PATH)) {
    console.error(`test setup: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist; fix it or unset it.`);
    process.exit(1);
  }
  let playwrightOwn = false;
  try {
    playwrightOwn = existsSync(chromium.executablePath());
  } catch {
    playwrightOwn = false; // this Playwright has no browser of its own on this machine
  }
  if (!chosen && !playwrightOwn) packages.push('chromium');
  if (!onPath('redis-server')) packages.push('redis-server');
  return packages;
}

const packages = missing();
if (packages.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(
    `test setup: the suites need ${packages.join(' and ')}. Install ${packages.length > 1 ? 'them' : 'it'} and run npm test again:\n` +
      `  sudo apt-get install -y ${packages.join(' ')}` +
      (packages.includes('chromium') ? '    (or: npx playwright install chromium, or set CHROMIUM_PATH)' : ''),
  );
  process.exit(1);
}

console.log(`test setup: installing ${packages.join(' and ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch {
  console.error(`test setup: apt-get could not install ${packages.join(' ')}; install ${packages.length > 1 ? 'them' : 'it'} by hand and run npm test again.`);
  process.exit(1);
}
const still = missing();
if (still.length > 0) {
  console.error(`test setup: ${still.join(' and ')} still missing after apt-get install.`);
  process.exit(1);
}
