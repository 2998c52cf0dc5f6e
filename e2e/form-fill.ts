/**
 * The phone's part in the capture e2e and the bench, which count the taps it takes: the form step
 * filled as a person does (a tap into each field, typing on the keyboard, a date field's digits
 * in the browser's own order, a tap on Continue), and the face check until it ends.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright';
import { picture } from './audit-support.js';

/** Types an ISO date into a focused `<input type="date">` as its segments ask (en-US: month, day, year). */
async function typeDate(page: Page, input: Locator, iso: string): Promise<void> {
  const [year, month, day] = iso.split('-');
  const order = await input.evaluate(() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 10, 22)).map((p) => p.type).filter((t) => t !== 'literal'));
  const parts: Record<string, string> = { year: year!, month: month!, day: day! };
  for (const part of order) await page.keyboard.type(parts[part] ?? '');
}

/**
 * Taps into each field named in `values` and types its value, then taps Continue; returns the
 * taps and the keystrokes it took.
 */
export async function fillFormByTouch(page: Page, values: Record<string, string>): Promise<{ taps: number; keystrokes: number }> {
  const el = page.locator('okid-verify');
  let taps = 0;
  let keystrokes = 0;
  for (const [name, value] of Object.entries(values)) {
    const input = el.locator(`input[name="${name}"]`);
    await input.tap();
    taps++;
    if ((await input.getAttribute('type')) === 'date') {
      await typeDate(page, input, value);
      keystrokes += value.replace(/-/g, '').length;
    } else {
      await page.keyboard.type(value);
      keystrokes += [...value].length;
    }
  }
  await el.getByRole('button', { name: 'Continue' }).tap();
  taps++;
  return { taps, keystrokes };
}

/**
 * After **Start**, the live face check until `done` shows. A movement the live check leaves
 * for later (a slow machine, a detector that misses a turn) is taken with the camera app, as the
 * phone offers it: 2 taps each (its button and its shutter), counted.
 */
export async function faceCheckUntil(page: Page, done: Locator, dir: string): Promise<number> {
  const el = page.locator('okid-verify');
  let taps = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (await done.isVisible()) return taps;
    const input = el.locator('input[type="file"]');
    if ((await input.count()) && !(await el.locator('video[part="camera"]').count())) {
      await input.setInputFiles(picture(join(dir, `face-${taps}.png`), [150 + taps, 140, 130]));
      taps += 2;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the face check did not end: ${await el.textContent()}`);
}
