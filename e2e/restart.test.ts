// **Start again** end to end (issue 10, part 5): the script-tag element on an operator's page,
// the real proxy (okid.node) with a `create` hook, the sandbox as okID. A verification canceled
// on the phone → Start again → one new verification → its QR code, which a reader decodes, and
// `okid-restart` → that verification completes on the phone → one `okid-complete`, for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { cancelOnPhone } from './audit-support.js';
import { createVerification, decodeQrOnScreen, events, handoffPage, launchChromium, phone, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';

describe('Start again, end to end (IIFE, okid.node proxy with a create hook, sandbox)', () => {
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

  it('after a cancel, creates one verification however often pressed, shows its QR code and follows it to okid-complete', async () => {
    const first = await createVerification(stack);
    pages['/restart.html'] = handoffPage({ 'process-token': first.verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const creates: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/okid/verifications') creates.push(request.method());
    });
    await recordEvents(page);
    await page.addInitScript(() => {
      const restarts: unknown[] = [];
      (window as unknown as { __restarts: unknown[] }).__restarts = restarts;
      document.addEventListener('okid-restart', (event) => restarts.push((event as CustomEvent).detail));
    });
    await page.goto(`${stack.operator.url}/restart.html`);
    const el = page.locator('okid-verify');
    await el.locator('svg[part="qr"]').waitFor();

    await cancelOnPhone(stack.sandbox.url, first.verificationId);
    await el.locator('[part="outcome"]', { hasText: 'canceled' }).waitFor();
    const button = el.locator('button[part="restart-button"]');
    await button.waitFor();
    assert.equal(await button.textContent(), 'Start again');
    assert.deepEqual(creates, ['GET'], 'asked whether the proxy can create, creating nothing');

    // Three presses in one task, as fast as a double click can come: one verification.
    await page.evaluate(() => {
      const target = document.querySelector('okid-verify')!.shadowRoot!.querySelector<HTMLButtonElement>('button[part="restart-button"]')!;
      target.click();
      target.click();
      target.click();
    });
    await page.waitForFunction(() => (window as unknown as { __restarts: unknown[] }).__restarts.length === 1);
    const restarts = (await page.evaluate(() => (window as unknown as { __restarts: unknown[] }).__restarts)) as Array<{ previousVerificationId: string; verificationId: string }>;
    const next = restarts[0]!.verificationId;
    assert.equal(restarts[0]!.previousVerificationId, first.verificationId);
    assert.notEqual(next, first.verificationId);
    assert.deepEqual(creates, ['GET', 'POST'], 'exactly one POST');

    // The new QR code, read as a phone camera reads it, leads to the new verification.
    await el.locator('svg[part="qr"]').waitFor();
    const decoded = await decodeQrOnScreen(page);
    assert.equal(new URL(decoded ?? 'about:blank').searchParams.get('verification_id'), next, `QR code: ${decoded}`);

    // The new verification goes through on the phone: the element follows it to the end.
    const device = phone(stack.sandbox.url, next);
    await device.open();
    await device.acceptTerms();
    await device.captureDocument();
    await device.captureLiveness();
    await device.submit();
    await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 10_000 });
    const all = await events(page);
    const completes = all.filter((event) => event.type === 'okid-complete');
    assert.equal(completes.length, 1);
    assert.equal(completes[0]!.detail.verificationId, next);
    const canceled = all.filter((event) => event.type === 'okid-error' && event.detail.code === 'VERIFICATION_CANCELED');
    assert.deepEqual(canceled.map((event) => event.detail.verificationId), [first.verificationId]);
    assert.equal(creates.filter((method) => method === 'POST').length, 1);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
