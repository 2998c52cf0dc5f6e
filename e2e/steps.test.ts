/**
 * Funnel events (`okid-step` and `onStep`), end to end: a desktop page with the handoff QR, and
 * phones (Chromium with phone emulation and a fake camera fed by the generated card video, or no
 * camera permission at all) walking the capture flow against the sandbox over real HTTP. Each test
 * checks the exact sequence of names a person's actions produce, the `onStep` callback getting the
 * same, and that no detail carries an image, a data or blob URL, or a long string.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, devices } from 'playwright';
import type { BrowserContext, Page } from 'playwright';
import { walkUntilOutcome } from './audit-support.js';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, createVerification, launchChromium, startStack } from './support.js';
import type { Stack } from './support.js';
import { VIDEO_CACHE_DIR, documentVideo } from './videos.js';

/** Records every `okid-step` (with bubbles and composed) and every `onStep` call, from before the element loads. */
const RECORD_STEPS = `(() => {
  window.__name = (fn) => fn;
  const steps = (window.__steps = []);
  const calls = (window.__stepCalls = []);
  document.addEventListener('okid-step', (event) => steps.push({ detail: event.detail, bubbles: event.bubbles, composed: event.composed }));
  // The sandbox's /verify page has the element in its HTML: its onStep is set as soon as it is in the document.
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('okid-verify')) el.onStep ??= (detail) => calls.push(detail.name);
  }).observe(document, { childList: true, subtree: true });
})()`;

/** An operator's page that creates the element in script, its `onStep` set before it is in the page. */
const scriptedPage = (verificationUrl: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>steps</title>
<script src="/okid-verify.iife.js"></script></head><body><main></main><script>
  const el = document.createElement('okid-verify');
  el.onStep = (detail) => window.__stepCalls.push(detail.name);
  Object.assign(el, { verificationUrl: ${JSON.stringify(verificationUrl)}, proxyUrl: '/okid', mode: 'handoff' });
  document.querySelector('main').append(el);
</script></body></html>`;

interface Recorded {
  detail: Record<string, unknown> & { name: string; at: string; mode: string };
  bubbles: boolean;
  composed: boolean;
}

const recorded = async (page: Page) => ({
  steps: (await page.evaluate('window.__steps')) as Recorded[],
  calls: (await page.evaluate('window.__stepCalls')) as string[],
});

const ALLOWED_KEYS = new Set(['name', 'at', 'mode', 'verificationId', 'documentType', 'side', 'facing', 'code', 'how', 'kind', 'index', 'prompt']);

/** Every detail: only the documented facts, each a short plain word or a number, never an image or a URL to one. */
function assertNoPersonalData(steps: Recorded[], verificationId: string): void {
  for (const { detail, bubbles, composed } of steps) {
    assert.ok(bubbles && composed, `${detail.name} bubbles and is composed`);
    assert.equal(detail.verificationId, verificationId);
    assert.ok(!Number.isNaN(Date.parse(detail.at)), `${detail.name} has an ISO time`);
    for (const [key, value] of Object.entries(detail)) {
      assert.ok(ALLOWED_KEYS.has(key), `${detail.name} carries only documented facts (not ${key})`);
      assert.ok(typeof value === 'string' || typeof value === 'number', `${detail.name}.${key} is plain`);
      if (typeof value === 'string') {
        assert.ok(value.length <= 64, `${detail.name}.${key} is short (${value.length} characters)`);
        assert.doesNotMatch(value, /^(data|blob):|base64|\/9j\//i, `${detail.name}.${key} is no image`);
      }
    }
  }
}

const PHONE = devices['Pixel 7'];

/** A phone with the generated card video as its camera, or without camera permission. */
async function launchPhone(profile: string, video?: string): Promise<BrowserContext> {
  const cameraArgs = video
    ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
    : ['--use-fake-device-for-media-stream', '--deny-permission-prompts'];
  const context = await chromium.launchPersistentContext(profile, { ...PHONE, executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS, ...cameraArgs] });
  await context.addInitScript(RECORD_STEPS);
  return context;
}

const cameraLive = (page: Page) =>
  page.waitForFunction(() => (document.querySelector('okid-verify')!.shadowRoot!.querySelector<HTMLVideoElement>('video[part="camera"]')?.readyState ?? 0) >= 2, undefined, { timeout: 15_000 });

describe('okid-step funnel events, end to end', () => {
  let stack: Stack;
  let work: string;

  before(async () => {
    stack = await startStack({}, 200);
    work = await mkdtemp(join(tmpdir(), 'okid-steps-'));
  });
  after(async () => {
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('desktop: QR shown once, link copied, opened here', async () => {
    const created = await createVerification(stack);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
      await context.addInitScript(RECORD_STEPS);
      const page = await context.newPage();
      // Served by the test (the operator server's CSP forbids the inline script that builds the element).
      await page.route('**/steps.html', (route) => route.fulfill({ contentType: 'text/html', body: scriptedPage(created.verificationUrl) }));
      await page.goto(`${stack.operator.url}/steps.html`);
      const el = page.locator('okid-verify');
      await el.locator('svg[part="qr"]').waitFor();
      await el.getByRole('button', { name: 'Copy link' }).click();
      await el.getByRole('button', { name: 'Link copied' }).waitFor();
      const [tab] = await Promise.all([context.waitForEvent('page'), el.locator('[part="open-link"]').click()]);
      await tab.close();
      await page.waitForTimeout(300);
      const { steps, calls } = await recorded(page);
      assert.deepEqual(steps.map((s) => s.detail.name), ['qr_shown', 'link_copied', 'opened_here']);
      assert.deepEqual(calls, ['qr_shown', 'link_copied', 'opened_here'], 'onStep is called with the same');
      assert.ok(steps.every((s) => s.detail.mode === 'handoff'));
      assertNoPersonalData(steps, created.verificationId);
    } finally {
      await browser.close();
    }
  });

  it('phone with a camera: auto and manual photos, a retake, then a stop', async () => {
    const created = await createVerification(stack);
    const phone = await launchPhone(join(work, 'phone-camera'), await documentVideo(VIDEO_CACHE_DIR));
    try {
      const page = phone.pages()[0] ?? (await phone.newPage());
      await page.goto(created.verificationUrl);
      const el = page.locator('okid-verify');
      await el.getByRole('button', { name: 'I agree, start' }).click();
      await el.getByRole('button', { name: 'ID card' }).click();
      // The front is taken by itself (a steady, sharp card).
      await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
      await el.getByRole('button', { name: 'Use this photo' }).click();
      // The back waits 2 s before taking itself: the shutter is faster.
      await el.getByRole('heading', { name: 'ID card: back side' }).waitFor();
      await cameraLive(page);
      await el.getByRole('button', { name: 'Take photo' }).click();
      await el.getByRole('button', { name: 'Retake' }).click();
      await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
      await el.getByRole('button', { name: 'Use this photo' }).click();
      await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
      await el.locator('[part="stop-button"]').click();
      await el.getByRole('button', { name: 'Yes, stop' }).click();
      await el.getByRole('heading', { name: 'You stopped the verification' }).waitFor();
      const { steps, calls } = await recorded(page);
      const names = steps.map((s) => s.detail.name);
      assert.deepEqual(names, ['terms_accepted', 'document_chosen', 'camera_allowed', 'photo_taken', 'photo_taken', 'retake', 'photo_taken', 'stopped']);
      assert.deepEqual(calls, names, 'onStep is called with the same');
      const photos = steps.filter((s) => s.detail.name === 'photo_taken').map((s) => `${s.detail.side}:${s.detail.how}`);
      assert.deepEqual(photos, ['front:auto', 'back:manual', 'back:auto']);
      assert.equal(steps[1]!.detail.documentType, 'id_card');
      assert.equal(steps[2]!.detail.facing, 'environment');
      assert.ok(steps.every((s) => s.detail.mode === 'capture'));
      assertNoPersonalData(steps, created.verificationId);
    } finally {
      await phone.close();
    }
  });

  it('phone without camera permission: refusals with their code, files, an upload retried, submitted', async () => {
    const created = await createVerification(stack);
    const phone = await launchPhone(join(work, 'phone-denied'));
    try {
      const page = phone.pages()[0] ?? (await phone.newPage());
      let cut = 1;
      await page.route('**/captures/document_front', (route) => (cut-- > 0 ? route.abort('internetdisconnected') : route.continue()));
      await page.goto(created.verificationUrl);
      const el = page.locator('okid-verify');
      await walkUntilOutcome(page, work);
      await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 30_000 });
      const { steps, calls } = await recorded(page);
      const names = steps.map((s) => s.detail.name);
      assert.deepEqual(calls, names, 'onStep is called with the same');
      const retried = steps.filter((s) => s.detail.name === 'upload_retried');
      assert.ok(retried.length >= 1 && retried.every((s) => s.detail.kind === 'document_front'), 'the cut upload was retried');
      // Uploads run beside the person's steps: the sequence of what the person did, without them.
      const done = steps.filter((s) => s.detail.name !== 'upload_retried').map((s) => (s.detail.name === 'file_used' ? `file:${s.detail.kind}` : s.detail.name === 'camera_refused' ? `refused:${s.detail.facing}:${s.detail.code}` : s.detail.name));
      const faces = done.filter((name) => /^file:(selfie|liveness_)/.test(name));
      assert.ok(faces.length >= 2, 'a selfie and at least one prompt');
      assert.deepEqual(done, [
        'terms_accepted',
        'document_chosen',
        'refused:environment:CAMERA_DENIED',
        'file:document_front',
        'refused:environment:CAMERA_DENIED',
        'file:document_back',
        'refused:user:CAMERA_DENIED',
        'file:selfie',
        ...faces.slice(1).map((_, i) => `file:liveness_${i}`),
        'submitted',
      ]);
      assertNoPersonalData(steps, created.verificationId);
    } finally {
      await phone.close();
    }
  });
});
