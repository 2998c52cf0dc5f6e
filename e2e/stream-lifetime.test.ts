/**
 * Issue 9, in Chromium: an event stream past `limits.streamLifetimeMs` ends with `retry:`; the
 * element's EventSource reconnects with its Last-Event-ID, and the page sees no second
 * `okid-status` for a snapshot it already has, while later changes still arrive through the
 * stream. The real sandbox and the demo's operator server over HTTP, the built IIFE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { API_KEY, events, handoffPage, launchChromium, phone, recordEvents } from './support.js';

describe('stream lifetime: reconnects without duplicates', () => {
  let browser: Browser;
  let sandbox: Sandbox;
  let operator: OperatorServer;
  const pages: Record<string, string> = {};

  before(async () => {
    sandbox = await startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 200 });
    operator = await startOperatorServer({
      okidUrl: sandbox.url,
      apiKey: API_KEY,
      pages,
      port: await freePort(),
      // Streams live 500 ms (ended at the next 100 ms heartbeat); the browser comes back after 300 ms.
      proxy: { heartbeatMs: 100, sseRetryMs: 300, pollIntervalMs: 200, limits: { streamLifetimeMs: 500 } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await operator?.close();
    await sandbox?.close();
  });

  it('several stream lifetimes pass: one okid-status per snapshot, and changes still arrive', async () => {
    const response = await fetch(`${operator.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    const { verificationId } = (await response.json()) as { verificationId: string };
    // Polling every 60 s: what the page learns within the test comes through the streams.
    pages['/lifetime.html'] = handoffPage({ 'process-token': verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '60000' });
    const page = await browser.newPage();
    let streams = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/events')) streams += 1;
    });
    await recordEvents(page);
    await page.goto(`${operator.url}/lifetime.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor();
    // Wait for three streams to have ended and been reopened.
    const deadline = Date.now() + 10_000;
    while (streams < 4 && Date.now() < deadline) await page.waitForEvent('request', { timeout: 10_000 });
    assert.ok(streams >= 4, `the stream was reopened (${streams} connections)`);
    let statuses = (await events(page)).filter((e) => e.type === 'okid-status');
    assert.deepEqual(
      statuses.map((e) => e.detail.status),
      ['created'],
      'one okid-status for the one snapshot, however many reconnects',
    );

    // Later changes still come through the reconnected streams, once each.
    const device = phone(sandbox.url, verificationId);
    await device.open();
    await page.waitForFunction(() =>
      (window as unknown as { __okidEvents: Array<{ type: string; detail: { status: string } }> }).__okidEvents.some(
        (e) => e.type === 'okid-status' && e.detail.status === 'opened',
      ),
    );
    const before = streams;
    while (streams < before + 2 && Date.now() < deadline + 10_000) await page.waitForEvent('request', { timeout: 10_000 });
    statuses = (await events(page)).filter((e) => e.type === 'okid-status');
    const keys = statuses.map((e) => `${e.detail.status}|${e.detail.updatedAt}|${JSON.stringify(e.detail.progress)}`);
    assert.equal(new Set(keys).size, keys.length, `no snapshot twice: ${JSON.stringify(keys)}`);
    assert.deepEqual([...new Set(statuses.map((e) => e.detail.status))], ['created', 'opened']);
    await page.close();
  });
});
