/**
 * The phone's capture flow, end to end: Chromium with phone emulation (touch, a phone viewport
 * and user agent) and a real camera fed by generated videos (--use-file-for-fake-video-capture),
 * on the sandbox's /verify page, against the sandbox over real HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, devices } from 'playwright';
import type { BrowserContext, Page } from 'playwright';
import { API_KEY, CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, createVerification, decodeQrOnScreen, events, handoffPage, launchChromium, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';
import { picture, walkUntilOutcome } from './audit-support.js';
import { VIDEO_CACHE_DIR, documentVideo, faceVideo } from './videos.js';

const PHONE = devices['Pixel 7'];
const executablePath = CHROMIUM_EXECUTABLE;

/** A phone: a persistent profile (so a relaunch keeps storage, as a phone does), a camera video or none. */
async function launchPhone(profile: string, video?: string): Promise<BrowserContext> {
  const cameraArgs = video
    ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
    : ['--use-fake-device-for-media-stream', '--deny-permission-prompts'];
  const context = await chromium.launchPersistentContext(profile, {
    ...PHONE,
    executablePath,
    args: [...CHROMIUM_ARGS, ...cameraArgs],
  });
  await context.addInitScript('window.__name = (fn) => fn');
  await context.addInitScript(RECORD_UPLOADS);
  return context;
}

/**
 * Records, in the page, the bytes of every capture it PUTs (Playwright does not see Blob request
 * bodies): the page's fetch is wrapped to copy the body, then called unchanged.
 */
const RECORD_UPLOADS = `(() => {
  const sent = (window.__okidSent = {});
  const original = window.fetch;
  window.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const match = /\\/captures\\/([a-z_0-9]+)$/.exec(new URL(url, location.href).pathname);
    if (match && init && init.method === 'PUT' && init.body instanceof Blob) {
      const bytes = new Uint8Array(await init.body.arrayBuffer());
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      const entry = (sent[match[1]] ??= { attempts: 0, keys: [] });
      entry.attempts++;
      entry.body = btoa(binary);
      const headers = new Headers(init.headers);
      if (!entry.keys.includes(headers.get('Idempotency-Key'))) entry.keys.push(headers.get('Idempotency-Key'));
    }
    return original.apply(this, arguments);
  };
})()`;

interface Sent {
  body: Buffer;
  attempts: number;
  keys: string[];
}

/** What the page uploaded so far, by capture kind. */
async function uploadsOf(page: Page): Promise<Map<string, Sent>> {
  const raw = (await page.evaluate('window.__okidSent')) as Record<string, { body: string; attempts: number; keys: string[] }>;
  return new Map(Object.entries(raw ?? {}).map(([kind, entry]) => [kind, { ...entry, body: Buffer.from(entry.body, 'base64') }]));
}

async function sandboxImage(stack: Stack, side: 'front' | 'back' | 'selfie', id: string): Promise<Buffer> {
  const response = await fetch(`${stack.sandbox.url}/api/get-verification-image-${side}/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
  assert.equal(response.status, 200, `sandbox has the ${side} image`);
  return Buffer.from(await response.arrayBuffer());
}

describe('phone capture flow, end to end', () => {
  let stack: Stack;
  let work: string;
  const stackPages: Record<string, string> = {};
  let videos: { document: string; face: string; faceStraight: string };

  before(async () => {
    stack = await startStack(stackPages, 200);
    work = await mkdtemp(join(tmpdir(), 'okid-capture-'));
    videos = { document: await documentVideo(VIDEO_CACHE_DIR), face: await faceVideo(VIDEO_CACHE_DIR), faceStraight: await faceVideo(VIDEO_CACHE_DIR, { straightOnly: true }) };
  });
  after(async () => {
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('captures the document by itself, survives a relaunch mid-flow, passes the face check and stores what the phone sent', async () => {
    const created = await createVerification(stack);
    const profile = join(work, 'phone-a');
    let phone = await launchPhone(profile, videos.document);
    let page = phone.pages()[0] ?? (await phone.newPage());
    await page.goto(created.verificationUrl);
    let el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    // No tap on the shutter: a sharp, well-lit card in the frame is taken by itself.
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await el.getByRole('button', { name: 'Use this photo' }).click();
    await el.getByRole('heading', { name: /back side/ }).waitFor();
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await el.getByRole('button', { name: 'Use this photo' }).click();
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
    const documentUploads = await uploadsOf(page);
    // The phone's browser is closed (another app took over) and opened again, with the front camera's video now.
    await phone.close();
    phone = await launchPhone(profile, videos.face);
    page = phone.pages()[0] ?? (await phone.newPage());
    const modelRequests: string[] = [];
    page.on('request', (request) => modelRequests.push(request.url()));
    await page.goto(created.verificationUrl);
    el = page.locator('okid-verify');
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor({ timeout: 15_000 });
    await el.getByRole('button', { name: 'Start' }).click();
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 120_000 });
    assert.ok(modelRequests.some((url) => url.endsWith('/models/tiny_face_detector_model.bin')), 'the face check ran the bundled detector');

    const all = new Map([...documentUploads, ...(await uploadsOf(page))]);
    for (const [kind, side] of [['document_front', 'front'], ['document_back', 'back'], ['selfie', 'selfie']] as const) {
      const sent = all.get(kind);
      assert.ok(sent, `${kind} was uploaded`);
      assert.ok((await sandboxImage(stack, side, created.verificationId)).equals(sent.body), `the sandbox holds the ${kind} the phone sent`);
    }
    assert.ok([...all.keys()].filter((kind) => kind.startsWith('liveness_')).length >= 2, 'one frame per prompt');
    await phone.close();
  });

  it('a face that never turns: the live check keeps the selfie and what it passes, hints, then asks the camera app only for the missing turns', async () => {
    const created = await createVerification(stack);
    const profile = join(work, 'phone-f');
    let taps = 0;
    let phone = await launchPhone(profile, videos.document);
    let page = phone.pages()[0] ?? (await phone.newPage());
    await page.goto(created.verificationUrl);
    let el = page.locator('okid-verify');
    const tap = async (name: string) => {
      await el.getByRole('button', { name, exact: true }).click();
      taps++;
    };
    await tap('I agree, start');
    await tap('ID card');
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await tap('Use this photo');
    await el.getByRole('heading', { name: /back side/ }).waitFor();
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await tap('Use this photo');
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
    await phone.close();

    // The front camera now shows a face looking straight, never turning.
    phone = await launchPhone(profile, videos.faceStraight);
    page = phone.pages()[0] ?? (await phone.newPage());
    const flowConfig = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/flow/${created.verificationId}` && r.request().method() === 'GET');
    await page.goto(created.verificationUrl);
    const prompts = ((await (await flowConfig).json()) as { liveness: { prompts: string[] } }).liveness.prompts;
    el = page.locator('okid-verify');
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor({ timeout: 15_000 });
    await tap('Start');
    const startedAt = Date.now();
    // First what to try, then (10 s without progress on a turn) the camera app.
    const hint = el.locator('[part="face-hint"]');
    await hint.filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
    const hintText = (await hint.textContent())?.trim();
    const hintAt = Date.now() - startedAt;
    assert.equal(hintText, 'Turn your head further, slowly, and hold it there');
    const missingTurns = prompts.filter((p) => p !== 'straight');
    // The camera app is offered on the live screen once a turn has not passed for 10 s; the live
    // check goes on meanwhile with what it can still pass, then the camera-app screens follow.
    await el.locator('label[part="file-button"]').waitFor({ timeout: 60_000 });
    const offerAt = Date.now() - startedAt;
    assert.ok(offerAt - hintAt >= 4_000, `the hint came first (${hintAt} ms), the camera app later (${offerAt} ms)`);
    const titles: string[] = [];
    const outcome = el.locator('[part="outcome"]');
    for (let i = 0; i < 6; i++) {
      const heading = el.getByRole('heading', { name: /^Take a selfie/ });
      await heading.or(outcome).first().waitFor({ timeout: 90_000 });
      if (await outcome.count()) break;
      const title = ((await heading.textContent()) ?? '').trim();
      titles.push(title);
      // One tap on the button opens the camera app, one on its shutter.
      await el.locator('input[type="file"]').setInputFiles(picture(join(work, `turn-${i}.png`), [150, 120 + i * 20, 170]));
      taps += 2;
      await el.getByRole('heading', { name: title, exact: true }).waitFor({ state: 'detached', timeout: 15_000 });
    }
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 60_000 });
    const words: Record<string, string> = { left: 'Take a selfie with your head turned to the left', right: 'Take a selfie with your head turned to the right' };
    assert.deepEqual(titles, missingTurns.map((p) => words[p]), 'the camera app asked for the missing turns only, in order');
    assert.equal(taps, 5 + 2 * missingTurns.length, `taps: 5 to the face check, 2 per missing prompt (${taps})`);

    // What the live check passed was sent from the camera (640×480), the turns from the camera app (640×400).
    const uploads = await uploadsOf(page);
    const heightOf = (jpeg: Buffer) => {
      for (let i = 2; i < jpeg.length; ) {
        const marker = jpeg[i + 1]!;
        if (marker >= 0xc0 && marker <= 0xc2) return jpeg.readUInt16BE(i + 5);
        i += 2 + jpeg.readUInt16BE(i + 2);
      }
      return 0;
    };
    const kinds = ['selfie', ...prompts.map((_, i) => `liveness_${i}`)];
    const fromCamera = kinds.filter((kind) => heightOf(uploads.get(kind)!.body) === 480);
    assert.deepEqual(fromCamera, ['selfie', `liveness_${prompts.indexOf('straight')}`], 'the selfie and the straight prompt came from the live check');
    console.log(`never-turning face: hint after ${(hintAt / 1000).toFixed(1)} s, done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s, ${taps} taps (prompts ${prompts.join(', ')})`);
    await phone.close();
  });

  it('without camera permission, fires CAMERA_DENIED and finishes with the camera app through the file picker', async () => {
    const created = await createVerification(stack);
    const phone = await launchPhone(join(work, 'phone-b'));
    const page = phone.pages()[0] ?? (await phone.newPage());
    await recordEvents(page);
    await page.goto(created.verificationUrl);
    const el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    await el.getByRole('alert').waitFor();
    assert.match((await el.getByRole('alert').textContent()) ?? '', /camera/i);
    const seen = await events(page);
    assert.ok(seen.some((e) => e.type === 'okid-error' && e.detail.code === 'CAMERA_DENIED' && e.detail.recoverable === true));
    await walkUntilOutcome(page, work);
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 30_000 });
    const uploads = await uploadsOf(page);
    for (const [kind, side] of [['document_front', 'front'], ['document_back', 'back'], ['selfie', 'selfie']] as const) {
      assert.ok((await sandboxImage(stack, side, created.verificationId)).equals(uploads.get(kind)!.body), `the sandbox holds the ${kind} the phone sent`);
    }
    await phone.close();
  });

  it('keeps going through a network cut during an upload, and stores each capture once', async () => {
    const created = await createVerification(stack);
    const phone = await launchPhone(join(work, 'phone-c'));
    const page = phone.pages()[0] ?? (await phone.newPage());
    let cut = 2;
    await page.route('**/captures/document_front', (route) => (cut-- > 0 ? route.abort('internetdisconnected') : route.continue()));
    await page.goto(created.verificationUrl);
    await walkUntilOutcome(page, work);
    await page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 30_000 });
    const uploads = await uploadsOf(page);
    const front = uploads.get('document_front')!;
    assert.ok(front.attempts >= 3, `retried after the cut (${front.attempts} attempts)`);
    assert.equal(front.keys.length, 1, 'every retry carried the same Idempotency-Key');
    assert.ok((await sandboxImage(stack, 'front', created.verificationId)).equals(front.body));
    await phone.close();
  });

  it('with a return URL, shows a 3-second countdown and takes the user back', async () => {
    stackPages['/done.html'] = '<!doctype html><html lang="en"><title>done</title><h1>Welcome back</h1></html>';
    const response = await fetch(`${stack.sandbox.url}/api/generate-verification`, {
      method: 'POST',
      headers: { 'X-SDK-Key': API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ return_url: `${stack.operator.url}/done.html` }),
    });
    const { verificationId } = (await response.json()) as { verificationId: string };
    const phone = await launchPhone(join(work, 'phone-e'));
    const page = phone.pages()[0] ?? (await phone.newPage());
    await page.goto(`${stack.sandbox.url}/verify?verification_id=${verificationId}`);
    await walkUntilOutcome(page, work);
    const countdown = page.locator('okid-verify').getByRole('timer');
    await countdown.waitFor();
    assert.match((await countdown.textContent()) ?? '', /Taking you back in [1-3]/);
    const shownAt = Date.now();
    await page.waitForURL(`${stack.operator.url}/done.html`, { timeout: 6000 });
    assert.ok(Date.now() - shownAt >= 1500, 'the countdown is visible before the redirect');
    await phone.close();
  });

  it('desktop and phone together: the phone opens the QR code, the desktop shows each step and fires okid-complete once', async () => {
    const created = await createVerification(stack);
    const pages: Record<string, string> = {};
    const desktopBrowser = await launchChromium();
    try {
      const desktop = await desktopBrowser.newPage();
      await recordEvents(desktop);
      pages['/together.html'] = handoffPage({ 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff' });
      Object.assign(stackPages, pages);
      await desktop.goto(`${stack.operator.url}/together.html`);
      await desktop.locator('okid-verify svg[part="qr"]').waitFor();
      const scanned = await decodeQrOnScreen(desktop);
      // The QR code's URL carries the page's language (lang="en"), for the phone to speak it.
      assert.equal(scanned, `${created.verificationUrl}&lang=en`);

      const phone = await launchPhone(join(work, 'phone-d'));
      const page = phone.pages()[0] ?? (await phone.newPage());
      await page.goto(scanned!);
      const steps = desktop.locator('okid-verify');
      await steps.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
      // A second phone scanning the same code is told where the verification continues.
      const other = await launchPhone(join(work, 'phone-d2'));
      const otherPage = other.pages()[0] ?? (await other.newPage());
      await otherPage.goto(scanned!);
      await otherPage.locator('okid-verify [part="outcome"]', { hasText: 'already open on another device' }).waitFor();
      await other.close();
      await walkUntilOutcome(page, work);
      await steps.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 15_000 });
      await desktop.waitForTimeout(500);
      const seen = await events(desktop);
      const progress = seen.filter((e) => e.type === 'okid-status').map((e) => e.detail);
      for (const step of ['terms', 'document', 'liveness'] as const) {
        assert.ok(progress.some((p) => p.status === 'in_progress' || p.status === 'processing' ? p.progress[step] === 'completed' : false), `the desktop saw ${step} done`);
      }
      assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
      await phone.close();
    } finally {
      await desktopBrowser.close();
    }
  });
});
