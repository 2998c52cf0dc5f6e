/**
 * The demo on a phone on the LAN: a phone reaches the computer by a name that is neither
 * localhost nor a loopback address, so only https makes the page a secure context and gives it
 * the camera. Chromium is told to resolve that name to 127.0.0.1, and the demo is started as
 * `npm run demo` starts it (startDemo), with its self-signed certificate in a temporary cache.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, devices } from 'playwright';
import type { BrowserContext } from 'playwright';
import { startDemo } from '../demo/start-demo.js';
import type { Demo } from '../demo/start-demo.js';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './support.js';
import { VIDEO_CACHE_DIR, documentVideo } from './videos.js';

const PHONE_HOST = 'okid-phone.test';

describe('the demo on a phone on the LAN', () => {
  let demo: Demo;
  let work: string;
  let phone: BrowserContext;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'okid-demo-https-'));
    demo = await startDemo({ host: '127.0.0.1', publicHost: PHONE_HOST, cacheDir: join(work, 'cache'), env: {}, processingDelayMs: 0 });
    const video = await documentVideo(VIDEO_CACHE_DIR);
    phone = await chromium.launchPersistentContext(join(work, 'profile'), {
      ...devices['Pixel 7'],
      executablePath: CHROMIUM_EXECUTABLE,
      // The certificate is self-signed: a person accepts the warning once, the test ignores it.
      ignoreHTTPSErrors: true,
      args: [
        ...CHROMIUM_ARGS,
        `--host-resolver-rules=MAP ${PHONE_HOST} 127.0.0.1`,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
  });
  after(async () => {
    await phone?.close();
    await demo?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A verification made as the demo page makes one: through the operator's proxy. */
  async function create(): Promise<string> {
    const response = await fetch(`${demo.operator.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    return ((await response.json()) as { verificationUrl: string }).verificationUrl;
  }

  it('QR codes and the phone link point at https on the LAN name, while this computer keeps plain http', async () => {
    const verificationUrl = await create();
    assert.match(verificationUrl, new RegExp(`^https://${PHONE_HOST.replace(/\./g, '\\.')}:\\d+/verify\\?verification_id=ver_`));
    assert.match(demo.phoneUrl ?? '', new RegExp(`^https://${PHONE_HOST.replace(/\./g, '\\.')}:\\d+/$`));
    assert.match(demo.localUrl, /^http:\/\/localhost:\d+\/$/);
    assert.equal(demo.certificate?.source, 'created');
    const page = await fetch(demo.localUrl.replace('localhost', '127.0.0.1'));
    assert.equal(page.status, 200, 'the operator page answers plain http on this computer');
  });

  it('over https, the /verify page the QR code opens gets the live camera', async () => {
    const page = await phone.newPage();
    await page.goto(await create());
    assert.equal(await page.evaluate(() => window.isSecureContext), true);
    const el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    const video = el.locator('video');
    await video.waitFor();
    await page.waitForFunction(
      () => {
        const v = document.querySelector('okid-verify')?.shadowRoot?.querySelector('video');
        const track = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0];
        return track?.readyState === 'live' && (v?.readyState ?? 0) >= 2;
      },
      undefined,
      { timeout: 15_000 },
    );
    // The card in the fake camera's video is taken by itself: live guidance, not the camera-app fallback.
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 20_000 });
    assert.equal(await el.locator('input[type="file"]').count(), 0, 'no camera-app fallback');
    await page.close();
  });

  it('over plain http on the LAN name, the page is not secure and says how to fix it', async () => {
    const page = await phone.newPage();
    await page.goto((await create()).replace(/^https:/, 'http:'));
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    const el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    await el.getByRole('alert').waitFor({ timeout: 10_000 });
    assert.match((await el.getByRole('alert').textContent()) ?? '', /only available on secure pages.*https:\/\//);
    await page.close();
  });
});
