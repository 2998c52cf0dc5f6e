// The Chromium that every test runner and benchmark launches, and the cross-engine suite's
// WebKitGTK MiniBrowser and Firefox ESR, chosen in one place.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The first `name` on PATH, or undefined. */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * `CHROMIUM_PATH` when set (even a wrong one, so the failure names it), else Debian's Chromium,
 * else a `chromium` on PATH, else undefined: Playwright then launches its own browser, where
 * `npx playwright install chromium` put one.
 * @returns {string | undefined}
 */
export function chromiumExecutable() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  return onPath('chromium');
}

/** WebKitGTK's MiniBrowser (Debian's webkit2gtk-driver), driven by WebKitWebDriver; `WEBKIT_MINIBROWSER` overrides. */
export function miniBrowserExecutable() {
  return process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
}

/** Debian's Firefox ESR, driven over WebDriver BiDi; `FIREFOX_PATH` overrides. */
export function firefoxExecutable() {
  return process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
}
