import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { createVerification, events, handoffPage, launchChromium, phone, recordEvents, startRedisPair, startStack } from './support.js';
import type { RedisPair, Stack } from './support.js';

/** Counts the page's status polls and event-stream connections. */
function watchTransports(page: Page) {
  const seen = { polls: 0, streams: 0 };
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/okid\/verifications\/[^/]+\/events$/.test(path)) seen.streams++;
    else if (/^\/okid\/verifications\/[^/]+$/.test(path)) seen.polls++;
  });
  return seen;
}

async function finishOnPhone(sandboxUrl: string, verificationId: string) {
  const device = phone(sandboxUrl, verificationId);
  await device.open();
  await device.acceptTerms();
  await device.captureDocument();
  await device.captureLiveness();
  await device.submit();
  return device;
}

describe('live push: webhooks → proxy → event stream → <okid-verify>', () => {
  let browser: Browser;
  let stack: Stack;
  const pages: Record<string, string> = {};

  before(async () => {
    stack = await startStack(pages, 200);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows every step as it happens through the stream and fires okid-complete once', async () => {
    const created = await createVerification(stack);
    // Polling every 60 s: anything the page learns within the test came through the stream.
    pages['/live.html'] = handoffPage({ 'process-token': created.verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '60000' });
    const page = await browser.newPage();
    const transports = watchTransports(page);
    await recordEvents(page);
    await page.goto(`${stack.operator.url}/live.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor();
    await page.waitForTimeout(300);
    await finishOnPhone(stack.sandbox.url, created.verificationId);
    await page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 5000 });
    await page.waitForTimeout(500);
    const seen = await events(page);
    const statuses = seen.filter((e) => e.type === 'okid-status').map((e) => e.detail.status);
    assert.deepEqual([...new Set(statuses)], ['created', 'opened', 'in_progress', 'processing', 'completed']);
    assert.ok(statuses.filter((s) => s === 'in_progress').length >= 2, 'each step done on the phone shows as it happens');
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
    assert.equal(transports.streams, 1);
    assert.equal(transports.polls, 1, 'one poll for the first paint, then the stream only');
    await page.close();
  });

  it('recovers when the stream is cut mid-flow, with no repeated or missing final event', async () => {
    const created = await createVerification(stack);
    pages['/cut.html'] = handoffPage({ 'process-token': created.verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '500' });
    const page = await browser.newPage();
    const transports = watchTransports(page);
    await recordEvents(page);
    await page.goto(`${stack.operator.url}/cut.html`);
    const device = phone(stack.sandbox.url, created.verificationId);
    await device.open();
    await page.locator('okid-verify').getByRole('heading', { name: 'Continue on your phone' }).waitFor();
    stack.operator.dropConnections();
    await device.acceptTerms();
    await device.captureDocument();
    await page.locator('okid-verify li[data-step="document"][data-state="completed"]').waitFor({ timeout: 5000 });
    await device.captureLiveness();
    await device.submit();
    await page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 8000 });
    await page.waitForTimeout(800);
    const seen = await events(page);
    const snapshots = seen.filter((e) => e.type === 'okid-status').map((e) => JSON.stringify(e.detail));
    assert.equal(new Set(snapshots).size, snapshots.length, 'no snapshot is announced twice across the cut');
    assert.equal(JSON.parse(snapshots.at(-1)!).status, 'completed');
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
    assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0, 'a cut stream is no error the page must handle');
    assert.ok(transports.streams >= 2 || transports.polls >= 2, 'it reconnected or polled after the cut');
    await page.close();
  });
});

describe('several proxy instances share status through Redis', () => {
  let pair: RedisPair;
  let browser: Browser;
  const pages: Record<string, string> = {};

  before(async () => {
    // Upstream polling every minute: within the test, status can only arrive by webhook.
    pair = await startRedisPair(pages, {}, { pollIntervalMs: 60_000 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pair?.close();
  });

  it("a browser's stream on instance A sees the result of a webhook delivered to instance B", async () => {
    const response = await fetch(`${pair.a.url}/okid/verifications`, { method: 'POST' });
    const created = (await response.json()) as { verificationId: string };
    pages['/redis.html'] = handoffPage({ 'process-token': created.verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '60000' });
    const page = await browser.newPage();
    await recordEvents(page);
    await page.goto(`${pair.a.url}/redis.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor();
    await page.waitForTimeout(300);
    await finishOnPhone(pair.sandbox.url, created.verificationId);
    await page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 8000 });
    const seen = await events(page);
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1);
    await page.close();
  });
});
