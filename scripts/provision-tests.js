// First step of `npm test`: makes sure the machine has what the suites need beyond npm: a
// Chromium for the browser suites, redis-server for the multi-instance tests, and the two other
// engines of the cross-engine suite (e2e/engines.test.ts): WebKitGTK's WebDriver with its
// MiniBrowser (webkit2gtk-driver) under a virtual display (xvfb), and Firefox ESR. As root with
// apt-get (a fresh Debian machine, CI) it installs what is missing; elsewhere it stops at once
// with the one command to run, instead of failing dozens of tests one by one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';
import { chromiumExecutable, firefoxExecutable, miniBrowserExecutable, onPath } from './chromium.js';

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
  if (!onPath('WebKitWebDriver') || !existsSync(miniBrowserExecutable())) packages.push('webkit2gtk-driver');
  if (!onPath('xvfb-run')) packages.push('xvfb');
  if (!existsSync(firefoxExecutable())) packages.push('firefox-esr');
  return packages;
}

/** `a`, `a and b`, `a, b and c`. */
function list(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

const packages = missing();
if (packages.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(
    `test setup: the suites need ${list(packages)}. Install ${packages.length > 1 ? 'them' : 'it'} and run npm test again:\n` +
      `  sudo apt-get install -y ${packages.join(' ')}` +
      (packages.includes('chromium') ? '    (or: npx playwright install chromium, or set CHROMIUM_PATH)' : ''),
  );
  process.exit(1);
}

console.log(`test setup: installing ${list(packages)} with apt-get`);
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
  console.error(`test setup: ${list(still)} still missing after apt-get install.`);
  process.exit(1);
}
