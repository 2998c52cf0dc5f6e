import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { API_KEY, createVerification, decodeQrOnScreen, events, handoffPage, launchChromium, phone, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';

describe('desktop handoff, end to end (IIFE on a plain page, okid.node proxy, sandbox)', () => {
  let browser: Browser;
  let stack: Stack;
  const pages: Record<string, string> = {};

  before(async () => {
    stack = await startStack(pages);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Opens a page that watches every request and response for the API key. */
  async function openPage(path: string, html: string): Promise<{ page: Page; leaks: string[]; errors: string[] }> {
    pages[path] = html;
    const page = await browser.newPage();
    const leaks: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    page.on('response', (response) => {
      // Browsers ask for /favicon.ico on their own; the page itself must load cleanly.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      const headers = request.headers();
      if (Object.keys(headers).some((name) => name.toLowerCase() === 'x-sdk-key')) leaks.push(`X-SDK-Key header on ${request.url()}`);
      if (JSON.stringify(headers).includes(API_KEY) || request.url().includes(API_KEY)) leaks.push(`key in request ${request.url()}`);
    });
    page.on('response', async (response) => {
      const headers = JSON.stringify(response.headers());
      const body = await response.text().catch(() => '');
      if (headers.includes(API_KEY) || body.includes(API_KEY)) leaks.push(`key in response ${response.url()}`);
    });
    await recordEvents(page);
    await page.goto(stack.operator.url + path);
    return { page, leaks, errors };
  }

  it('shows a QR code that decodes to the handoff URL, follows the phone, and fires okid-complete once', async () => {
    const created = await createVerification(stack);
    const { page, leaks, errors } = await openPage(
      '/handoff.html',
      handoffPage({ 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' }),
    );
    const element = page.locator('okid-verify');
    await element.locator('svg[part="qr"]').waitFor();
    // The handoff URL carries the page's language (English), for the phone to speak it.
    const handoffUrl = `${created.verificationUrl}&lang=en`;
    assert.equal(await decodeQrOnScreen(page), handoffUrl);
    assert.equal(await element.locator('a[part="open-link"]').getAttribute('href'), handoffUrl);
    await element.getByText(/Time left: \d+:\d\d/).waitFor();

    const device = phone(stack.sandbox.url, created.verificationId);
    await device.open();
    await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
    assert.equal(await element.locator('svg[part="qr"]').count(), 0, 'the QR code gives way');

    await device.acceptTerms();
    await element.locator('li[data-step="terms"][data-state="completed"]').waitFor();
    await device.captureDocument();
    await element.locator('li[data-step="document"][data-state="completed"]').waitFor();
    await device.captureLiveness();
    await device.submit();
    await element.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor();
    await page.waitForTimeout(1000); // any duplicate would arrive within a few polls

    const seen = await events(page);
    const completes = seen.filter((e) => e.type === 'okid-complete');
    assert.equal(completes.length, 1);
    assert.equal(completes[0]!.detail.verificationId, created.verificationId);
    assert.equal(completes[0]!.detail.outcome, 'verified');
    const statuses = seen.filter((e) => e.type === 'okid-status').map((e) => e.detail.status);
    assert.deepEqual([...new Set(statuses)], ['created', 'opened', 'in_progress', 'processing', 'completed']);
    assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0);
    for (const event of seen) {
      assert.ok(!JSON.stringify(event.detail).match(/first_name|document_number|date_of_birth/), 'no personal data reaches the page');
    }
    assert.deepEqual(leaks, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the failure and fires okid-error VERIFICATION_FAILED when okID rejects', async () => {
    const created = await createVerification(stack, 'rejected');
    const { page } = await openPage(
      '/rejected.html',
      handoffPage({ 'process-token': created.verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' }),
    );
    const device = phone(stack.sandbox.url, created.verificationId);
    await device.open();
    await device.acceptTerms();
    await device.captureDocument();
    await device.captureLiveness();
    await device.submit();
    await page.locator('okid-verify [part="outcome"]', { hasText: 'We could not verify your identity' }).waitFor();
    const errors = (await events(page)).filter((e) => e.type === 'okid-error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.detail.code, 'VERIFICATION_FAILED');
    assert.equal(errors[0]!.detail.recoverable, false);
    await page.close();
  });

  it('registers once when the script tag is included twice', async () => {
    const created = await createVerification(stack);
    const { page, errors } = await openPage(
      '/twice.html',
      handoffPage({ 'process-token': created.verificationId, 'proxy-url': '/okid', mode: 'handoff' }, 2),
    );
    await page.locator('okid-verify').locator('svg[part="qr"]').waitFor();
    assert.deepEqual(errors, []);
    assert.equal(await page.evaluate(() => typeof (window as unknown as { OkidVerify: { OkID: unknown } }).OkidVerify.OkID), 'function');
    await page.close();
  });

  it('keeps hostile ids out of the DOM and away from the proxy', async () => {
    const { page } = await openPage(
      '/hostile.html',
      handoffPage({ 'process-token': '"><img src=x onerror="window.__pwned=1">', 'proxy-url': '/okid', mode: 'handoff' }),
    );
    const proxyRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/okid/')) proxyRequests.push(request.url());
    });
    await page.locator('okid-verify').getByText('process-token is not an okID id').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('okid-verify img').count(), 0);
    const seen = await events(page);
    assert.equal(seen[0]?.detail.code, 'CONFIG_INVALID');
    await page.waitForTimeout(500);
    assert.deepEqual(proxyRequests, []);
    await page.close();
  });

  it("serves the sandbox's /verify page, which starts the capture flow with the terms", async () => {
    const created = await createVerification(stack);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      // Browsers ask for /favicon.ico on their own; the page itself must load cleanly.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(created.verificationUrl);
    await page.locator('okid-verify[mode="capture"]').waitFor({ state: 'attached' });
    await page.locator('okid-verify').getByRole('heading', { name: 'Before you start' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
