/**
 * Fills the capture flow's form step as a person does on a phone: a tap into each field, then
 * typing on the keyboard (a date field takes its digits in the browser's own order), then a tap
 * on Continue. Shared by the capture e2e and the bench, which count the taps it takes.
 */
import type { Locator, Page } from 'playwright';

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
