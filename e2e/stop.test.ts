/**
 * Stopping on the phone (issue 10, part 6), end to end: Chromium with phone emulation and
 * Chromium's fake camera on the sandbox's /verify page, the sandbox over real HTTP, and a desktop
 * page watching the same verification through the real proxy of the operator server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Locator, Page, Route } from 'playwright';
import { API_KEY, events, handoffPage, launchChromium, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';
import { firstPage, launchPhone } from './audit-support.js';

/**
 * Keeps every stream the page's getUserMedia hands out in `window.__okidStreams`, so the test can
 * ask whether any camera track is still live (Playwright sees no tracks).
 */
const RECORD_STREAMS = `(() => {
  const streams = (window.__okidStreams = []);
  const media = navigator.mediaDevices;
  if (!media) return;
  const original = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    streams.push(stream);
    return stream;
  };
})()`;

const liveTracks = (page: Page): Promise<number> =>
  page.evaluate(`window.__okidStreams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length`) as Promise<number>;
const streamsOpened = (page: Page): Promise<number> => page.evaluate(`window.__okidStreams.length`) as Promise<number>;

/** The capture kinds IndexedDB holds for `id` (read in the page, without the SDK). */
const storedCaptures = (page: Page, id: string): Promise<string[]> =>
  page.evaluate(
    `new Promise((resolve, reject) => {
      const open = indexedDB.open('okid-verify');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('captures')) { db.close(); return resolve([]); }
        const read = db.transaction('captures', 'readonly').objectStore('captures').getAll(IDBKeyRange.bound([${JSON.stringify(id)}], [${JSON.stringify(id)}, []]));
        read.onsuccess = () => { db.close(); resolve(read.result.map((e) => e.kind)); };
        read.onerror = () => { db.close(); reject(read.error); };
      };
    })`,
  ) as Promise<string[]>;

/** The keys this verification left in the phone's localStorage (device token, progress). */
const storedKeys = (page: Page, id: string): Promise<string[]> =>
  page.evaluate(`Object.keys(localStorage).filter((key) => key.endsWith(${JSON.stringify(':' + id)}))`) as Promise<string[]>;

/** What the sandbox says the verification's status is, read over HTTP as the operator's server would. */
async function sandboxStatus(stack: Stack, id: string): Promise<string> {
  const response = await fetch(`${stack.sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
  assert.equal(response.status, 200);
  return ((await response.json()) as { status: { current: string } }).status.current;
}

/** The text of the element's focused node, inside its shadow root. */
const focusedText = (page: Page): Promise<string | undefined> =>
  page.evaluate(`document.querySelector('okid-verify').shadowRoot.activeElement?.textContent?.trim()`) as Promise<string | undefined>;

/** Waits for the camera picture (functions, not strings: the /verify page's CSP forbids eval). */
const cameraLive = (page: Page) =>
  page.waitForFunction(() => (document.querySelector('okid-verify')!.shadowRoot!.querySelector<HTMLVideoElement>('video[part="camera"]')?.readyState ?? 0) >= 2, undefined, {
    timeout: 15_000,
  });

/** A verification made by the operator's server, with the page to come back to. */
async function generate(stack: Stack, returnUrl?: string): Promise<{ verificationId: string; verificationUrl: string }> {
  const response = await fetch(`${stack.sandbox.url}/api/generate-verification`, {
    method: 'POST',
    headers: { 'X-SDK-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify(returnUrl ? { return_url: returnUrl } : {}),
  });
  assert.equal(response.status, 200, 'the sandbox generated a verification');
  const body = (await response.json()) as { verificationId?: string; verification_id?: string };
  const verificationId = (body.verificationId ?? body.verification_id)!;
  return { verificationId, verificationUrl: `${stack.sandbox.url}/verify?verification_id=${verificationId}` };
}

describe('stopping on the phone', () => {
  let stack: Stack;
  let work: string;
  const pages: Record<string, string> = {};

  before(async () => {
    stack = await startStack(pages, 300);
    work = await mkdtemp(join(tmpdir(), 'okid-stop-'));
    pages['/done.html'] = '<!doctype html><html lang="en"><title>done</title><main><h1>Welcome back</h1></main></html>';
  });
  after(async () => {
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A phone on the verification's link, events and camera streams recorded. */
  async function openPhone(name: string, url: string): Promise<{ phone: BrowserContext; page: Page; el: Locator }> {
    const phone = await launchPhone(join(work, name), 'fake');
    await phone.addInitScript(RECORD_STREAMS);
    const page = await firstPage(phone);
    await recordEvents(page);
    await page.goto(url);
    return { phone, page, el: page.locator('okid-verify') };
  }

  it('asks first, goes back to the same step, then stops: camera off, nothing kept, the desktop told once', async () => {
    const returnUrl = `${stack.operator.url}/done.html`;
    const created = await generate(stack, returnUrl);
    const id = created.verificationId;

    const desktopBrowser = await launchChromium();
    let phone: BrowserContext | undefined;
    try {
      const desktop = await desktopBrowser.newPage();
      await recordEvents(desktop);
      pages['/watch.html'] = handoffPage({ 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff' });
      await desktop.goto(`${stack.operator.url}/watch.html`);
      await desktop.locator('okid-verify svg[part="qr"]').waitFor();
      const opened = await openPhone('phone-a', created.verificationUrl);
      phone = opened.phone;
      const { page, el } = opened;
      await desktop.locator('okid-verify').getByRole('heading', { name: 'Continue on your phone' }).waitFor();

      // Uploads are held, so the front stays in IndexedDB as it does on a slow connection.
      const held: Route[] = [];
      await page.route('**/captures/**', (route) => void held.push(route));

      await el.getByRole('button', { name: 'I agree, start' }).click();
      await el.getByRole('button', { name: 'ID card' }).click();
      await el.getByRole('heading', { name: 'ID card: front side' }).waitFor();
      await cameraLive(page);
      await el.getByRole('button', { name: 'Take photo' }).click();
      // Going back from the question keeps the still under review (its object URL still shows).
      const still = el.locator('img[part="review-image"]');
      const shown = await still.getAttribute('src');
      await el.locator('[part="stop-button"]').click();
      await el.getByRole('button', { name: 'Go back' }).click();
      await el.getByRole('heading', { name: 'Check the photo' }).waitFor();
      assert.equal(await still.getAttribute('src'), shown);
      const stillLoads = await page.evaluate(async (url) => {
        const image = new Image();
        image.src = url!;
        return image.decode().then(() => true, () => false);
      }, shown);
      assert.ok(stillLoads, 'the still was not revoked while the question was asked');
      await el.getByRole('button', { name: 'Use this photo' }).click();
      await el.getByRole('heading', { name: 'ID card: back side' }).waitFor();
      await cameraLive(page);
      assert.deepEqual(await storedCaptures(page, id), ['document_front'], 'the front waits in IndexedDB');
      assert.equal(await sandboxStatus(stack, id), 'in_progress');

      // The stop link, by keyboard: a confirmation with the focus on its heading, the camera off.
      const stop = el.locator('[part="stop-button"]');
      await stop.focus();
      await page.keyboard.press('Enter');
      await el.getByRole('heading', { name: 'Stop the verification?' }).waitFor();
      await page.waitForFunction(() => document.querySelector('okid-verify')!.shadowRoot!.activeElement?.tagName === 'H2');
      assert.equal(await focusedText(page), 'Stop the verification?');
      assert.equal(await liveTracks(page), 0, 'no camera while the question is asked');

      // "Go back": the same step, its camera live again, nothing lost.
      await el.getByRole('button', { name: 'Go back' }).click();
      await el.getByRole('heading', { name: 'ID card: back side' }).waitFor();
      await cameraLive(page);
      assert.equal(await liveTracks(page), 1, 'the back camera runs again');
      assert.deepEqual(await storedCaptures(page, id), ['document_front']);

      // Escape goes back too.
      await stop.click();
      await el.getByRole('heading', { name: 'Stop the verification?' }).waitFor();
      await page.keyboard.press('Escape');
      await el.getByRole('heading', { name: 'ID card: back side' }).waitFor();
      await cameraLive(page);
      assert.equal(await sandboxStatus(stack, id), 'in_progress', 'going back cancels nothing');

      // For real this time.
      await stop.click();
      await el.getByRole('button', { name: 'Yes, stop' }).click();
      await el.getByRole('heading', { name: 'You stopped the verification' }).waitFor();
      const back = el.locator('a[part="return-link"]');
      assert.equal(await back.getAttribute('href'), returnUrl, 'the way back is the return URL okID holds');
      assert.equal(await back.textContent(), 'Go back to the site');
      assert.ok((await streamsOpened(page)) >= 3, 'the camera was opened for each camera screen');
      assert.equal(await liveTracks(page), 0, 'every camera track ended');
      assert.equal(await sandboxStatus(stack, id), 'canceled');
      assert.deepEqual(await storedCaptures(page, id), [], 'no capture left in IndexedDB');
      assert.deepEqual(await storedKeys(page, id), [], 'no progress or device token left');
      assert.equal(await el.locator('[part="stop-button"]').count(), 0, 'nothing left to stop');

      const phoneErrors = (await events(page)).filter((e) => e.type === 'okid-error' && e.detail.code === 'VERIFICATION_CANCELED');
      assert.equal(phoneErrors.length, 1, "the phone's element fires VERIFICATION_CANCELED once");
      assert.equal(phoneErrors[0]!.detail.recoverable, false);
      assert.ok((await events(page)).some((e) => e.type === 'okid-status' && e.detail.status === 'canceled'));

      // The desktop learns it through the proxy.
      await desktop.locator('okid-verify [part="outcome"]', { hasText: 'canceled' }).waitFor({ timeout: 15_000 });
      const seen = await events(desktop);
      const canceled = seen.filter((e) => e.type === 'okid-error' && e.detail.code === 'VERIFICATION_CANCELED');
      assert.equal(canceled.length, 1, 'the desktop fires VERIFICATION_CANCELED exactly once');
      assert.equal(canceled[0]!.detail.verificationId, id);
      assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 0);

      // No redirect by itself (the desktop checks above took longer than a countdown would); the link works.
      assert.equal(page.url(), created.verificationUrl);
      assert.equal(await el.getByRole('timer').count(), 0);
      await back.click();
      await page.waitForURL(returnUrl);
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      for (const route of held) await route.abort().catch(() => undefined);
    } finally {
      await phone?.close();
      await desktopBrowser.close();
    }
  });

  it('says so when the cancel call cannot get through, and stops on the next try', async () => {
    const created = await generate(stack);
    const id = created.verificationId;
    const { phone, page, el } = await openPhone('phone-b', created.verificationUrl);
    try {
      let cut = true;
      await page.route('**/cancel', (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
      await el.getByRole('button', { name: 'I agree, start' }).click();
      await el.getByRole('heading', { name: 'Which document will you use?' }).waitFor();
      await el.locator('[part="stop-button"]').click();
      await el.getByRole('button', { name: 'Yes, stop' }).click();
      await el.getByRole('heading', { name: 'The verification was not stopped' }).waitFor();
      assert.match((await el.getByRole('alert').textContent()) ?? '', /cannot reach/);
      assert.equal(await sandboxStatus(stack, id), 'in_progress', 'it was not stopped, and the phone does not claim so');
      let seen = await events(page);
      assert.ok(seen.some((e) => e.type === 'okid-error' && e.detail.code === 'NETWORK' && e.detail.recoverable === true));
      assert.equal(seen.filter((e) => e.detail?.code === 'VERIFICATION_CANCELED').length, 0);

      cut = false;
      await el.getByRole('button', { name: 'Try again' }).click();
      await el.getByRole('heading', { name: 'You stopped the verification' }).waitFor();
      // No return URL anywhere: the person is told they may close the page.
      assert.equal(await el.locator('a[part="return-link"]').count(), 0);
      await el.getByText('You can close this page.').waitFor();
      assert.equal(await sandboxStatus(stack, id), 'canceled');
      seen = await events(page);
      assert.equal(seen.filter((e) => e.type === 'okid-error' && e.detail.code === 'VERIFICATION_CANCELED').length, 1);
      assert.deepEqual(await storedKeys(page, id), []);
    } finally {
      await phone.close();
    }
  });

  it('shows the real outcome when the verification was already submitted', async () => {
    const created = await generate(stack);
    const id = created.verificationId;
    const { phone, page, el } = await openPhone('phone-c', created.verificationUrl);
    try {
      await el.getByRole('button', { name: 'I agree, start' }).click();
      await el.getByRole('heading', { name: 'Which document will you use?' }).waitFor();
      // Meanwhile the verification is completed with this phone's binding (its own token).
      const token = (await page.evaluate(`localStorage.getItem('okid:device:${id}')`)) as string;
      const flowUrl = `${stack.sandbox.url}/v1/flow/${id}`;
      const headers = { 'X-Okid-Device': token };
      const flow = (await (await fetch(flowUrl, { headers })).json()) as { liveness: { prompts: string[] } };
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
      for (const kind of ['document_front', 'document_back', 'selfie', ...flow.liveness.prompts.map((_, i) => `liveness_${i}`)]) {
        const put = await fetch(`${flowUrl}/captures/${kind}`, { method: 'PUT', body: jpeg, headers: { ...headers, 'Content-Type': 'image/jpeg' } });
        assert.ok(put.ok, `${kind} stored`);
      }
      const submit = await fetch(`${flowUrl}/submit`, {
        method: 'POST',
        body: JSON.stringify({ documentType: 'id_card' }),
        headers: { ...headers, 'Content-Type': 'application/json' },
      });
      assert.equal(submit.status, 202);

      await el.locator('[part="stop-button"]').click();
      await el.getByRole('button', { name: 'Yes, stop' }).click();
      await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 15_000 });
      assert.equal(await el.getByRole('heading', { name: 'You stopped the verification' }).count(), 0);
      assert.equal(await sandboxStatus(stack, id), 'verified');
      const seen = await events(page);
      assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
      assert.equal(seen.filter((e) => e.detail?.code === 'VERIFICATION_CANCELED').length, 0);
    } finally {
      await phone.close();
    }
  });
});
