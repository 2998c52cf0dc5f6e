/**
 * okID as it is today, end to end: the sandbox with `captureApi: false` (its capture API answers
 * only its own /verify page, okID's hosted portal), an operator page on its own origin whose
 * `create` hook sets `return_url` to that page, and a phone (Chromium with phone emulation and a
 * fake camera device) that meets the element with `capture` left at `auto`: hosted screen →
 * Continue → the portal runs the flow → its countdown returns to the operator's page, which shows
 * the outcome and fires one okid-complete, while a desktop watching the same id completes too.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, devices } from 'playwright';
import type { BrowserContext, Page } from 'playwright';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { walkUntilOutcome } from './audit-support.js';
import { API_KEY, CHROMIUM_ARGS, WEBHOOK_SECRET, events, handoffPage, launchChromium, recordEvents } from './support.js';

const PHONE = devices['Pixel 7'];
const executablePath = existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium') ? process.env.CHROMIUM_PATH || '/usr/bin/chromium' : undefined;

/**
 * A phone: touch, a phone viewport and user agent, and Chromium's fake camera device with the
 * permission refused, so the flow goes through the camera app (the file picker), which a test
 * can drive without waiting on live detection.
 */
function launchPhone(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    ...PHONE,
    executablePath,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--deny-permission-prompts'],
  });
}

/** Capture API calls made by `page`, as [url, status (0: no answer), origin of the page that made it]. */
function flowCalls(page: Page): Array<[string, number, string]> {
  const calls: Array<[string, number, string]> = [];
  const from = (request: { frame(): { url(): string } }) => new URL(request.frame().url()).origin;
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/v1/flow/')) calls.push([response.url(), response.status(), from(response.request())]);
  });
  page.on('requestfailed', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/flow/')) calls.push([request.url(), 0, from(request)]);
  });
  return calls;
}

describe('okID’s hosted flow on a phone (sandbox with captureApi: false)', () => {
  let sandbox: Sandbox;
  let operator: OperatorServer;
  let work: string;
  const pages: Record<string, string> = {};

  before(async () => {
    const port = await freePort();
    const operatorUrl = `http://127.0.0.1:${port}`;
    sandbox = await startSandbox({
      port: 0,
      apiKey: API_KEY,
      processingDelayMs: 300,
      captureApi: false,
      webhookUrl: `${operatorUrl}/okid/webhooks`,
      webhookSecret: WEBHOOK_SECRET,
    });
    operator = await startOperatorServer({
      okidUrl: sandbox.url,
      apiKey: API_KEY,
      port,
      pages,
      webhookSecret: WEBHOOK_SECRET,
      // As an operator's hook does: okID's portal brings the person back to the page they came from.
      proxy: { create: () => ({ extra_data: { sandbox_outcome: 'verified' }, return_url: `${operatorUrl}/phone` }) },
    });
    work = await mkdtemp(join(tmpdir(), 'okid-hosted-'));
  });
  after(async () => {
    await operator?.close();
    await sandbox?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function create(): Promise<string> {
    const response = await fetch(`${operator.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    return ((await response.json()) as { verificationId: string }).verificationId;
  }

  /** The operator's page for `id`: the element as the README shows it, `capture` left at its default. */
  const operatorPage = (id: string, extra: Record<string, string> = {}) =>
    handoffPage({ 'process-token': id, 'proxy-url': '/okid', 'api-url': sandbox.url, 'frontend-url': sandbox.url, ...extra });

  it('hosted screen → Continue → the portal’s flow → back on the operator’s page with the outcome and one okid-complete; the desktop completes too', async () => {
    const id = await create();
    pages['/phone'] = operatorPage(id);
    pages['/desk'] = operatorPage(id, { mode: 'handoff' });

    const desktopBrowser = await launchChromium();
    const phone = await launchPhone(join(work, 'phone-a'));
    try {
      const desktop = await desktopBrowser.newPage();
      await recordEvents(desktop);
      await desktop.goto(`${operator.url}/desk`);
      await desktop.locator('okid-verify svg[part="qr"]').waitFor();

      const page = phone.pages()[0] ?? (await phone.newPage());
      await recordEvents(page);
      const calls = flowCalls(page);
      await page.goto(`${operator.url}/phone`);
      const continueLink = page.locator('okid-verify').getByRole('link', { name: 'Continue' });
      await continueLink.waitFor();
      // The element asked okID's capture API once, from the operator's origin, and met okID's 404.
      assert.deepEqual(calls, [[`${sandbox.url}/v1/flow/${id}`, 404, operator.url]]);
      assert.equal(await continueLink.getAttribute('href'), `${sandbox.url}/verify?verification_id=${id}`);
      assert.deepEqual((await events(page)).filter((e) => e.type === 'okid-error'), []);

      await continueLink.click();
      await page.waitForURL(`${sandbox.url}/verify?verification_id=${id}`);
      // On the portal (its own origin) the capture API answers: the whole flow runs there.
      await walkUntilOutcome(page, work);
      await desktop.locator('okid-verify').getByRole('heading', { name: 'Continue on your phone' }).or(desktop.locator('okid-verify [part="outcome"]')).first().waitFor();
      await page.locator('okid-verify').getByRole('timer').waitFor();
      await page.waitForURL(`${operator.url}/phone`, { timeout: 10_000 });

      const back = page.locator('okid-verify');
      await back.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 10_000 });
      assert.equal(await back.getByRole('link', { name: 'Continue' }).count(), 0, 'no new flow on the way back');
      await page.waitForTimeout(1000);
      const seen = await events(page);
      assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
      assert.equal(seen.find((e) => e.type === 'okid-complete')!.detail.verificationId, id);
      // The portal's calls came from the portal; back on the operator's page, none at all.
      assert.ok(calls.slice(1).length > 0 && calls.slice(1).every(([, status, origin]) => origin === sandbox.url && status > 0 && status < 300), JSON.stringify(calls));

      await desktop.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 10_000 });
      const desk = await events(desktop);
      assert.equal(desk.filter((e) => e.type === 'okid-complete').length, 1);
    } finally {
      await phone.close();
      await desktopBrowser.close();
    }
  });

  it('capture="embedded" never falls back: a clear okid-error, no Continue', async () => {
    const id = await create();
    pages['/embedded'] = operatorPage(id, { capture: 'embedded' });
    const phone = await launchPhone(join(work, 'phone-b'));
    try {
      const page = phone.pages()[0] ?? (await phone.newPage());
      await recordEvents(page);
      await page.goto(`${operator.url}/embedded`);
      await page.waitForFunction(() => (window as unknown as { __okidEvents: Array<{ type: string }> }).__okidEvents.some((e) => e.type === 'okid-error'));
      const errors = (await events(page)).filter((e) => e.type === 'okid-error');
      assert.deepEqual(errors.map((e) => e.detail.code), ['VERIFICATION_NOT_FOUND']);
      assert.equal(errors[0]!.detail.verificationId, id);
      await page.locator('okid-verify [role="alert"], okid-verify [part="outcome"], okid-verify h2').first().waitFor();
      assert.equal(await page.locator('okid-verify').getByRole('link', { name: 'Continue' }).count(), 0);
    } finally {
      await phone.close();
    }
  });

  it('the portal itself never falls back to a portal: an unknown id says so, with no Continue', async () => {
    const phone = await launchPhone(join(work, 'phone-d'));
    try {
      const page = phone.pages()[0] ?? (await phone.newPage());
      await page.goto(`${sandbox.url}/verify?verification_id=ver_noSuchVerification`);
      await page.locator('okid-verify').getByText(/not valid|does not exist/).first().waitFor();
      assert.equal(await page.locator('okid-verify').getByRole('link', { name: 'Continue' }).count(), 0);
      assert.equal(page.url(), `${sandbox.url}/verify?verification_id=ver_noSuchVerification`);
    } finally {
      await phone.close();
    }
  });

  it('capture="hosted" never calls the capture API', async () => {
    const id = await create();
    pages['/hosted'] = operatorPage(id, { capture: 'hosted' });
    const phone = await launchPhone(join(work, 'phone-c'));
    try {
      const page = phone.pages()[0] ?? (await phone.newPage());
      const calls = flowCalls(page);
      await page.goto(`${operator.url}/hosted`);
      const continueLink = page.locator('okid-verify').getByRole('link', { name: 'Continue' });
      await continueLink.waitFor();
      await page.waitForTimeout(500);
      assert.deepEqual(calls, []);
      assert.equal(await continueLink.getAttribute('href'), `${sandbox.url}/verify?verification_id=${id}`);
    } finally {
      await phone.close();
    }
  });
});
