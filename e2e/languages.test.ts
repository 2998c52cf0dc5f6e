/**
 * The person's language and who is asking, end to end in Chromium at 320 px wide: a desktop page
 * in a language hands off through its QR code; the phone (set to English) opens what the QR says
 * on the sandbox's /verify page, speaks the desktop's language (right to left for Arabic), names
 * the operator on its first screen, and no text runs out of its box on any screen, in the longest
 * language and in Arabic. Real sandbox over real HTTP, the real proxy, the built element.
 * With OKID_E2E_SCREENSHOTS=dir, every measured screen is saved there as a PNG.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devices } from 'playwright';
import type { Browser, Page } from 'playwright';
import { LOCALES, isRightToLeft } from '../src/core/locale.js';
import type { Locale } from '../src/core/locale.js';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { picture } from './audit-support.js';
import { API_KEY, decodeQrOnScreen, launchChromium } from './support.js';

const WIDTH = 320;
const PHONE = { ...devices['Pixel 7'], viewport: { width: WIDTH, height: 640 }, locale: 'en-US' };
const OPERATOR_NAME = 'Acme Rentals & Bicycles';
const SHOTS = process.env.OKID_E2E_SCREENSHOTS;
/** Languages checked at once in "every language", each with one page open at a time (its desktop, then its phone). */
const LANGUAGES_AT_ONCE = 2;

/** The screen's first heading as it is now ('' when it has none), without waiting for one. */
const headingNow = (page: Page): Promise<string> =>
  page.evaluate(() => document.querySelector('okid-verify')?.shadowRoot?.querySelector('h2')?.textContent?.trim() ?? '');

/**
 * Arms a watch on the element's shadow root: the returned function resolves once anything in it
 * changed after the arming (an element, an attribute or a text), then two frames later so layout
 * has run, or after `limitMs` when nothing changed.
 */
async function watchScreen(page: Page): Promise<(limitMs: number) => Promise<void>> {
  await page.evaluate(() => {
    const w = window as unknown as { __okidScreenChanged: boolean; __okidScreenWatch?: MutationObserver };
    w.__okidScreenWatch?.disconnect();
    w.__okidScreenChanged = false;
    const root = document.querySelector('okid-verify')?.shadowRoot;
    if (!root) return;
    w.__okidScreenWatch = new MutationObserver(() => (w.__okidScreenChanged = true));
    w.__okidScreenWatch.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return async (limitMs) => {
    await page
      .waitForFunction(() => (window as unknown as { __okidScreenChanged: boolean }).__okidScreenChanged, undefined, { timeout: limitMs, polling: 'raf' })
      .catch(() => undefined);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  };
}

/** Every string a language shows (the functions called with typical values), for its length. */
async function wordsOf(locale: Locale): Promise<string[]> {
  const module = (await import(locale === 'en' ? '../src/i18n/en-capture.ts' : `../src/i18n/${locale}.ts`)) as Record<string, unknown>;
  const element = locale === 'en' ? (await import('../src/i18n/en-element.ts')).en : module.element;
  const capture = locale === 'en' ? module.captureEn : module.capture;
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'function') out.push(String((value as (...a: unknown[]) => unknown)('https://verify.example/verify?verification_id=ver_x', 'back', 'x')));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(element);
  walk(capture);
  return out;
}

/**
 * Text that runs out of its box in the element's shadow root: a block whose content is wider than
 * it (scrollWidth > clientWidth), a box that sticks out of the element, or a page that scrolls
 * sideways. Each as "tag.class: text".
 */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const host = document.querySelector('okid-verify')!;
    const bounds = host.getBoundingClientRect();
    const found: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}`;
    for (const el of host.shadowRoot!.querySelectorAll<HTMLElement>('*')) {
      if (['STYLE', 'SLOT', 'VIDEO', 'svg', 'path', 'rect'].includes(el.tagName) || el.closest('svg')) continue;
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
      if (!text || el.getClientRects().length === 0) continue;
      const style = getComputedStyle(el);
      if (style.position === 'absolute' && el.classList.contains('visually-hidden')) continue;
      const box = el.getBoundingClientRect();
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'auto' && style.overflowX !== 'scroll') {
        found.push(`${name(el)} scrolls ${el.scrollWidth} > ${el.clientWidth}: ${text}`);
      }
      if (box.width > 0 && (box.right > bounds.right + 1 || box.left < bounds.left - 1)) {
        found.push(`${name(el)} sticks out (${Math.round(box.left)}–${Math.round(box.right)} of ${Math.round(bounds.left)}–${Math.round(bounds.right)}): ${text}`);
      }
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    return found;
  });
}

describe(`languages and who is asking, at ${WIDTH} px`, () => {
  let sandbox: Sandbox;
  let operator: OperatorServer;
  let browser: Browser;
  let work: string;
  let longest: Locale;
  const pages: Record<string, string> = {};
  const measured: Record<string, string[]> = {};

  before(async () => {
    const port = await freePort();
    const operatorUrl = `http://127.0.0.1:${port}/`;
    // Every step okID has, the form too, so each of their screens is measured.
    const flow = ['terms', 'document', 'liveness', 'form_data'] as const;
    sandbox = await startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 200, flow, operator: { name: OPERATOR_NAME, url: operatorUrl } });
    operator = await startOperatorServer({ okidUrl: sandbox.url, apiKey: API_KEY, pages, port });
    // The phone's camera is refused, so every screen of the file path shows, with the longest help texts.
    browser = await launchChromium(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
    work = await mkdtemp(join(tmpdir(), 'okid-languages-'));
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
    const lengths = await Promise.all(LOCALES.map(async (locale) => [locale, (await wordsOf(locale)).join('').length] as const));
    longest = lengths.filter(([locale]) => locale !== 'en').sort((a, b) => b[1] - a[1])[0]![0];
  });
  after(async () => {
    await browser?.close();
    await operator?.close();
    await sandbox?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A browser context whose pages can run the functions tsx compiled (they call `__name`). */
  async function newContext(options: Parameters<Browser['newContext']>[0]) {
    const context = await browser.newContext(options);
    await context.addInitScript('window.__name = (fn) => fn');
    return context;
  }

  /** Measures the screen, saves it when asked, and names it by its heading. */
  async function measure(page: Page, label: string): Promise<void> {
    // Read at once: a screen without a heading (the outcome) must not wait for one to appear.
    const heading = await headingNow(page);
    // Numbered: two screens may share a heading (the form, then the form with its problems).
    const key = `${label} #${Object.keys(measured).length + 1}: ${heading}`;
    measured[key] = await overflows(page);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${label.replace(/\W+/g, '-')}-${Object.keys(measured).length}.png`), fullPage: true });
  }

  async function desktop(locale: Locale): Promise<{ page: Page; handoff: string }> {
    const created = (await (await fetch(`${operator.url}/okid/verifications`, { method: 'POST' })).json()) as { verificationUrl: string };
    pages[`/desk-${locale}.html`] = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${locale}</title><script src="/okid-verify.iife.js"></script></head>
<body style="margin:0"><main><okid-verify verification-url="${created.verificationUrl}" proxy-url="/okid" mode="handoff" poll-interval="300"></okid-verify></main></body></html>`;
    const context = await newContext({ viewport: { width: WIDTH, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${operator.url}/desk-${locale}.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor();
    await page.locator('okid-verify [part="time-left"]').waitFor();
    return { page, handoff: (await decodeQrOnScreen(page)) ?? '' };
  }

  /** Fills the form step's inputs with plausible values, by input type. */
  async function fillForm(page: Page): Promise<void> {
    const values: Record<string, string> = { date: '1990-01-15', email: 'jane@example.com', tel: '+31612345678' };
    for (const input of await page.locator('okid-verify input[part="form-input"]').all()) {
      await input.fill(values[(await input.getAttribute('type')) ?? ''] ?? 'Jane');
    }
  }

  /**
   * The phone's whole file path, one screen at a time, measured on each: terms to the outcome
   * (the form sent empty once, to measure its problems, then filled).
   */
  async function walkPhone(page: Page, label: string): Promise<void> {
    const el = page.locator('okid-verify');
    const seen = new Set<string>();
    let formTried = false;
    // Each step waits for the screen to answer the last one (anything in the element changed), up
    // to 2 s when nothing did (okID still processing, the next poll to come), instead of a fixed pause.
    let settled = async (_limitMs: number) => {};
    for (let step = 0; step < 40; step++) {
      await settled(2000);
      const counts = await Promise.all(['input[type="file"]', '[part="review-image"]', '[part="form-summary"]'].map((css) => el.locator(css).count()));
      const screen = `${await headingNow(page)}|${counts.join('|')}`;
      if (!seen.has(screen)) {
        seen.add(screen);
        await measure(page, label);
      }
      if (await el.locator('[part="outcome"]').count()) return;
      const primary = el.locator('button[part="primary-button"]:not([disabled])');
      const choices = el.locator('button[part="choice"]');
      settled = await watchScreen(page);
      if ((await el.locator('form[part="form"]').count()) && formTried) await fillForm(page);
      if (await el.locator('form[part="form"]').count()) formTried = true;
      // A target gone between the look and the act (the screen moved on) is left to the next look
      // after 3 s, not Playwright's 30 s (as in audit-support's walkWithFiles).
      const soon = { timeout: 3000 };
      if (await primary.count()) await primary.first().click(soon).catch(() => undefined);
      else if (await choices.count()) await choices.nth(1).click(soon).catch(() => undefined);
      else if (await el.locator('input[type="file"]').count()) {
        await el.locator('input[type="file"]').setInputFiles(picture(join(work, `${label}-${step}.png`), [110 + step * 3, 150, 180]), soon).catch(() => undefined);
      }
    }
    throw new Error(`${label}: the flow did not finish: ${await el.textContent()}`);
  }

  for (const which of ['longest', 'ar'] as const) {
    it(`${which === 'ar' ? 'Arabic' : 'the longest language'}: the QR code carries it, the phone speaks it, names the operator, and nothing overflows`, async (t) => {
      const locale: Locale = which === 'ar' ? 'ar' : longest;
      t.diagnostic(`language: ${locale}`);
      const { page: desk, handoff } = await desktop(locale);
      assert.equal(new URL(handoff).searchParams.get('lang'), locale, `QR code: ${handoff}`);
      await measure(desk, `${locale} desktop`);

      const phone = await newContext(PHONE);
      const page = await phone.newPage();
      await page.goto(handoff);
      const root = page.locator('html');
      assert.equal(await root.getAttribute('lang'), locale);
      assert.equal(await root.getAttribute('dir'), isRightToLeft(locale) ? 'rtl' : 'ltr');
      const el = page.locator('okid-verify');
      const block = el.locator('[part="operator"]');
      await block.waitFor();
      assert.equal((await block.locator('.operator-name').textContent())?.trim(), OPERATOR_NAME);
      assert.equal((await block.locator('.operator-host').textContent())?.trim(), new URL(operator.url).host);
      assert.equal(await el.locator('[part="base"]').getAttribute('dir'), isRightToLeft(locale) ? 'rtl' : 'ltr');

      // The stop confirmation, then back to the terms.
      await el.locator('button[part="stop-button"]').click();
      await el.locator('button[part="stop-back-button"]').waitFor();
      await measure(page, `${locale} phone`);
      await el.locator('button[part="stop-back-button"]').click();
      await block.waitFor();

      await walkPhone(page, `${locale} phone`);
      // The desktop followed the phone to the end; measured again with its steps and outcome.
      await desk.locator('okid-verify [part="outcome"]').waitFor({ timeout: 15_000 });
      await measure(desk, `${locale} desktop`);
      await phone.close();
      await desk.context().close();

      const screens = Object.entries(measured).filter(([key]) => key.startsWith(locale));
      t.diagnostic(`${screens.length} screens measured: ${screens.map(([key]) => key.split(': ')[1]).join(' · ')}`);
      assert.ok(screens.length >= 10, `screens measured: ${screens.length}`);
      const problems = screens.flatMap(([key, found]) => found.map((line) => `${key} → ${line}`));
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('every language: the handoff, the first screen, the document choice and the camera help fit', async (t) => {
    const problems: string[] = [];
    // A few languages at once, each in its own contexts; their problems are put back in LOCALES order.
    const found = new Map<Locale, string[]>();
    const queue = [...LOCALES];
    const worker = async () => {
      for (let locale = queue.shift(); locale; locale = queue.shift()) found.set(locale, await checkLanguage(locale));
    };
    await Promise.all(Array.from({ length: LANGUAGES_AT_ONCE }, worker));
    for (const locale of LOCALES) problems.push(...found.get(locale)!);
    t.diagnostic(`${found.size} of ${LOCALES.length} languages, 4 screens each`);
    assert.equal(found.size, LOCALES.length);
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  /** One language's handoff, terms, document choice and camera help, measured: its problems. */
  async function checkLanguage(locale: Locale): Promise<string[]> {
    const problems: string[] = [];
    const { page: desk, handoff } = await desktop(locale);
    problems.push(...(await overflows(desk)).map((line) => `${locale} desktop → ${line}`));
    await desk.context().close();
    const phone = await newContext(PHONE);
    const page = await phone.newPage();
    await page.goto(handoff);
    const el = page.locator('okid-verify');
    await el.locator('[part="operator"]').waitFor();
    problems.push(...(await overflows(page)).map((line) => `${locale} terms → ${line}`));
    await el.locator('button[part="primary-button"]').click();
    await el.locator('button[part="choice"]').first().waitFor();
    problems.push(...(await overflows(page)).map((line) => `${locale} document choice → ${line}`));
    await el.locator('button[part="choice"]').nth(1).click();
    await el.locator('input[type="file"]').waitFor();
    problems.push(...(await overflows(page)).map((line) => `${locale} camera help → ${line}`));
    await phone.close();
    return problems;
  }

  it('a phone without a handoff language speaks its browser’s (Accept-Language), right to left for Hebrew', async () => {
    const created = (await (await fetch(`${operator.url}/okid/verifications`, { method: 'POST' })).json()) as { verificationUrl: string };
    const phone = await newContext({ ...PHONE, locale: 'he-IL' });
    const page = await phone.newPage();
    await page.goto(created.verificationUrl);
    assert.equal(await page.locator('html').getAttribute('lang'), 'he');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    await page.locator('okid-verify').getByRole('heading', { name: 'לפני שמתחילים' }).waitFor();
    assert.deepEqual(await overflows(page), []);
    await phone.close();
  });
});
