/**
 * Flows with a subset of okID's steps, end to end: Chromium as a phone (touch, phone viewport) with
 * a real camera fed by generated videos, the sandbox's /verify page, the sandbox and the operator's
 * proxy over real HTTP, and a desktop following the handoff. All four steps (the form filled by
 * tapping into the fields and typing), a document only, a face check only.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, devices } from 'playwright';
import type { Browser, BrowserContext, Page } from 'playwright';
import { API_KEY, CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, createVerification, events, handoffPage, launchChromium, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';
import { faceCheckUntil, fillFormByTouch } from './form-fill.js';
import { VIDEO_CACHE_DIR, documentVideo, faceVideo } from './videos.js';

const PHONE = devices['Pixel 7'];
const PERSON = { given_names: 'Zoë Ann-Marie', family_name: "O'Brien-Núñez", date_of_birth: '1990-02-28', email: 'zoe.obrien@example.org' };
const STEP_LABELS = { terms: 'Terms', document: 'ID document', liveness: 'Face check', form_data: 'Details' } as const;

/** A phone with a persistent profile (a relaunch keeps storage) and a camera playing `video`. */
async function launchPhone(profile: string, video: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profile, {
    ...PHONE,
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
  await context.addInitScript('window.__name = (fn) => fn');
  // Every okid-* event the phone's element fires, to check none carries what the person typed.
  await context.addInitScript(() => {
    const seen: unknown[] = ((window as unknown as { __phoneEvents: unknown[] }).__phoneEvents = []);
    for (const type of ['okid-status', 'okid-complete', 'okid-error', 'okid-step']) document.addEventListener(type, (e) => seen.push({ type, detail: (e as CustomEvent).detail }));
  });
  return context;
}

const firstPage = async (context: BrowserContext): Promise<Page> => context.pages()[0] ?? (await context.newPage());

/** The desktop's step list: each step's label and whether it shows as done. */
async function desktopSteps(desktop: Page): Promise<Array<[string, string]>> {
  return desktop.locator('okid-verify [part="steps"] li').evaluateAll((items) =>
    items.map((li) => [li.querySelector('span')?.textContent?.trim() ?? '', li.getAttribute('data-state') ?? ''] as [string, string]),
  );
}

/** Takes the document by itself (the card in the video) on both sides of an ID card, tapping only to keep each photo. */
async function documentSteps(page: Page): Promise<number> {
  const el = page.locator('okid-verify');
  let taps = 0;
  await el.getByRole('button', { name: 'ID card' }).tap();
  taps++;
  for (const side of ['front', 'back']) {
    await el.getByRole('heading', { name: new RegExp(`${side} side`) }).waitFor();
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await el.getByRole('button', { name: 'Use this photo' }).tap();
    taps++;
  }
  return taps;
}

describe('capture flows with any subset of steps, end to end', () => {
  let stack: Stack;
  let work: string;
  let desktopBrowser: Browser;
  const pages: Record<string, string> = {};
  let videos: { document: string; face: string };

  before(async () => {
    stack = await startStack(pages, 200);
    work = await mkdtemp(join(tmpdir(), 'okid-flows-'));
    videos = { document: await documentVideo(VIDEO_CACHE_DIR), face: await faceVideo(VIDEO_CACHE_DIR) };
    desktopBrowser = await launchChromium();
  });
  after(async () => {
    await desktopBrowser?.close();
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A desktop page following `verificationUrl` by handoff, recording its events. */
  async function desktopFor(name: string, verificationUrl: string): Promise<Page> {
    pages[`/${name}.html`] = handoffPage({ 'verification-url': verificationUrl, 'proxy-url': '/okid', mode: 'handoff' });
    const desktop = await desktopBrowser.newPage();
    await recordEvents(desktop);
    await desktop.goto(`${stack.operator.url}/${name}.html`);
    await desktop.locator('okid-verify svg[part="qr"]').waitFor();
    return desktop;
  }

  it('all four steps on the fake camera, the form filled by tapping and typing; the desktop shows each step, okid-complete once', async () => {
    const created = await createVerification(stack, 'verified', 'terms,document,liveness,form_data');
    const desktop = await desktopFor('four', created.verificationUrl);
    const profile = join(work, 'phone-four');
    let phone = await launchPhone(profile, videos.document);
    let page = await firstPage(phone);
    await page.goto(created.verificationUrl);
    let el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).tap();
    let taps = 1 + (await documentSteps(page));
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
    await desktop.locator('okid-verify [part="steps"]').waitFor();
    assert.deepEqual((await desktopSteps(desktop)).map(([label]) => label), Object.values(STEP_LABELS), 'the desktop lists the four steps');

    // The front camera's video: the phone's browser is opened again (the flow resumes where it was).
    await phone.close();
    phone = await launchPhone(profile, videos.face);
    page = await firstPage(phone);
    await page.goto(created.verificationUrl);
    el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'Start' }).tap();
    taps++;
    taps += await faceCheckUntil(page, el.getByRole('heading', { name: 'Your details' }), work);
    const standardTaps = taps;
    await desktop.waitForFunction(() => {
      const items = [...(document.querySelector('okid-verify')?.shadowRoot?.querySelectorAll('[part="steps"] li') ?? [])];
      return items.length === 4 && items.slice(0, 3).every((li) => li.getAttribute('data-state') === 'completed');
    }, undefined, { timeout: 10_000 });
    assert.deepEqual(await desktopSteps(desktop), [
      ['Terms', 'completed'],
      ['ID document', 'completed'],
      ['Face check', 'completed'],
      ['Details', 'pending'],
    ]);
    assert.equal(await el.locator('input[name="email"]').getAttribute('inputmode'), 'email');

    const form = await fillFormByTouch(page, PERSON);
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 30_000 });
    await desktop.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 15_000 });
    await desktop.waitForTimeout(500);

    const seen = await events(desktop);
    const progress = seen.filter((e) => e.type === 'okid-status').map((e) => e.detail);
    for (const step of ['terms', 'document', 'liveness', 'form_data'] as const) {
      assert.ok(progress.some((p) => p.progress[step] === 'completed'), `the desktop saw ${step} done`);
    }
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1, 'okid-complete fires once');
    // okID holds the values for the operator; the pages' events and the phone's storage hold none.
    const details = await (await fetch(`${stack.sandbox.url}/api/get-verification-details/${created.verificationId}`, { headers: { 'X-SDK-Key': API_KEY } })).json();
    assert.deepEqual(details.results.form_data, PERSON);
    const heard = JSON.stringify([seen, await page.evaluate(() => (window as unknown as { __phoneEvents: unknown[] }).__phoneEvents)]);
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    for (const value of Object.values(PERSON)) {
      assert.ok(!heard.includes(value), `an event carries "${value}"`);
      assert.ok(!stored.includes(value), `the phone keeps "${value}"`);
    }
    console.log(`taps: standard flow ${standardTaps}, the form adds ${form.taps} (${Object.keys(PERSON).length} fields + Continue) and ${form.keystrokes} keystrokes`);
    assert.equal(form.taps, Object.keys(PERSON).length + 1);
    await phone.close();
    await desktop.close();
  });

  it('document only: no terms, no face check, no form; the desktop lists the document alone', async () => {
    const created = await createVerification(stack, 'verified', 'document');
    const desktop = await desktopFor('document-only', created.verificationUrl);
    const phone = await launchPhone(join(work, 'phone-doc'), videos.document);
    const page = await firstPage(phone);
    await page.goto(created.verificationUrl);
    const el = page.locator('okid-verify');
    await el.getByRole('heading', { name: 'Which document will you use?' }).waitFor();
    await documentSteps(page);
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 30_000 });
    await desktop.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 15_000 });
    const progress = (await events(desktop)).filter((e) => e.type === 'okid-status').map((e) => e.detail.progress);
    assert.deepEqual(progress.at(-1), { document: 'completed' });
    assert.ok(progress.every((p) => Object.keys(p).every((step) => step === 'document')), 'only the document step, ever');
    await phone.close();
    await desktop.close();
  });

  it('face only: the face check alone; the desktop lists the face check alone', async () => {
    const created = await createVerification(stack, 'verified', 'liveness');
    const desktop = await desktopFor('face-only', created.verificationUrl);
    const phone = await launchPhone(join(work, 'phone-face'), videos.face);
    const page = await firstPage(phone);
    await page.goto(created.verificationUrl);
    const el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'Start' }).tap();
    await desktop.locator('okid-verify [part="steps"]').waitFor();
    assert.deepEqual((await desktopSteps(desktop)).map(([label]) => label), ['Face check']);
    await faceCheckUntil(page, el.locator('[part="outcome"]', { hasText: 'You are verified' }), work);
    await desktop.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 15_000 });
    const seen = await events(desktop);
    assert.deepEqual(seen.filter((e) => e.type === 'okid-status').at(-1)?.detail.progress, { liveness: 'completed' });
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
    await phone.close();
    await desktop.close();
  });
});
