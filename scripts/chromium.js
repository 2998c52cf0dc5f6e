// The Chromium that every test runner and benchmark launches, chosen in one place.
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
