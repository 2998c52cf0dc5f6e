/**
 * Issue 19, parts 3 and 6, end to end: a real Chromium on the operator's page, the proxy
 * (okid.node) and the sandbox over real HTTP. One desktop handoff against the documents' own
 * dialect (v1 on its own origin, the documents' words and fields only, webhooks signed as HMAC
 * of the body) ends in exactly one okid-complete; one v1 handoff (a `tok_` process token) runs
 * with okID v1 on its own origin, read by the proxy through `v1BaseUrl`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox, SandboxOptions } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { API_KEY, WEBHOOK_SECRET, events, handoffPage, launchChromium, phone, recordEvents } from './support.js';

interface DialectStack {
  sandbox: Sandbox;
  operator: OperatorServer;
  pages: Record<string, string>;
  close(): Promise<void>;
}

/** Sandbox (with `options`) + operator server whose proxy reads v1 at `sandbox.v1Url` and takes its webhooks. */
async function startDialectStack(options: SandboxOptions): Promise<DialectStack> {
  const port = await freePort();
  const pages: Record<string, string> = {};
  const sandbox = await startSandbox({
    port: 0,
    apiKey: API_KEY,
    processingDelayMs: 300,
    webhookUrl: `http://127.0.0.1:${port}/okid/webhooks`,
    webhookSecret: WEBHOOK_SECRET,
    ...options,
  });
  const operator = await startOperatorServer({
    okidUrl: sandbox.url,
    apiKey: API_KEY,
    pages,
    port,
    webhookSecret: WEBHOOK_SECRET,
    proxy: { v1BaseUrl: sandbox.v1Url },
  });
  return {
    sandbox,
    operator,
    pages,
    close: async () => {
      await operator.close();
      await sandbox.close();
    },
  };
}

/** Generates a v1 process token on `v1Url`, as an operator's backend would. */
async function generateV1(v1Url: string): Promise<string> {
  const response = await fetch(`${v1Url}/v1/verification/generate`, {
    method: 'POST',
    headers: { 'X-SDK-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ metadata: { sandbox_outcome: 'verified' } }),
  });
  if (response.status !== 200) throw new Error(`v1 generate answered ${response.status}`);
  return ((await response.json()) as { process_token: string }).process_token;
}

/** Opens `html` on the operator's origin; collects page errors and failed responses. */
async function openPage(browser: Browser, stack: DialectStack, path: string, html: string): Promise<{ page: Page; errors: string[] }> {
  stack.pages[path] = html;
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`);
  });
  await recordEvents(page);
  await page.goto(stack.operator.url + path);
  return { page, errors };
}

/** Plays the whole phone flow against the sandbox's capture API and waits for the outcome on the page. */
async function completeOnPhone(page: Page, stack: DialectStack, id: string): Promise<void> {
  const element = page.locator('okid-verify');
  await element.locator('svg[part="qr"]').waitFor();
  const device = phone(stack.sandbox.url, id);
  await device.open();
  await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
  await device.acceptTerms();
  await device.captureDocument();
  await device.captureLiveness();
  await device.submit();
  await element.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor();
  await page.waitForTimeout(1000); // a duplicate okid-complete would arrive within a few polls
}

describe("okID's two origins and the documents' own dialect, end to end", () => {
  let browser: Browser | undefined;
  const stacks: DialectStack[] = [];
  after(async () => {
    await browser?.close();
    for (const stack of stacks) await stack.close();
  });

  it('a desktop handoff against the documented dialect ends in exactly one okid-complete', async () => {
    const stack = await startDialectStack({ dialect: 'documented' });
    stacks.push(stack);
    assert.notEqual(stack.sandbox.v1Url, stack.sandbox.url);
    browser ??= await launchChromium();
    const response = await fetch(`${stack.operator.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { verificationId: string; verificationUrl: string };
    const { page, errors } = await openPage(
      browser,
      stack,
      '/documented.html',
      handoffPage({ 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' }),
    );
    await completeOnPhone(page, stack, created.verificationId);
    const seen = await events(page);
    const completes = seen.filter((e) => e.type === 'okid-complete');
    assert.equal(completes.length, 1);
    assert.equal(completes[0]!.detail.verificationId, created.verificationId);
    assert.equal(completes[0]!.detail.outcome, 'verified');
    assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0);
    // The documents' words only: no `processing` ever reaches the page.
    const statuses = [...new Set(seen.filter((e) => e.type === 'okid-status').map((e) => e.detail.status))];
    assert.deepEqual(statuses.filter((s) => s !== 'in_progress'), ['created', 'opened', 'completed']);
    for (const event of seen) assert.doesNotMatch(JSON.stringify(event.detail), /first_name|document_number|date_of_birth|Jane/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a v1 handoff (tok_ process token) with okID v1 on its own origin', async () => {
    const stack = await startDialectStack({ v1Port: 0 });
    stacks.push(stack);
    assert.notEqual(new URL(stack.sandbox.v1Url).origin, new URL(stack.sandbox.url).origin);
    browser ??= await launchChromium();
    const token = await generateV1(stack.sandbox.v1Url);
    const { page, errors } = await openPage(
      browser,
      stack,
      '/v1.html',
      handoffPage({ 'process-token': token, 'frontend-url': stack.sandbox.url, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' }),
    );
    await completeOnPhone(page, stack, token);
    const seen = await events(page);
    const completes = seen.filter((e) => e.type === 'okid-complete');
    assert.equal(completes.length, 1);
    assert.equal(completes[0]!.detail.verificationId, token);
    assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
