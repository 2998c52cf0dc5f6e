/**
 * A Redis freeze as a desktop user lives it, in Chromium: two proxy instances over one real
 * redis-server, the page's `<okid-verify>` on instance A, the sandbox's webhooks delivered to
 * instance B. Redis is frozen (SIGSTOP: connections open, nothing answers) while the phone
 * finishes. The page must still show the result within two poll intervals, announce each
 * status once, and fire exactly one `okid-complete`; then Redis answers again and a second
 * verification goes through the shared path as usual.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { events, handoffPage, launchChromium, phone, recordEvents, startRedisPair } from './support.js';
import type { RedisPair } from './support.js';

/** The proxies' poll interval (their default without webhooks). */
const POLL_MS = 2000;
/** Page rendering and timer drift on two shared cores. */
const SLACK_MS = 500;

describe('Redis frozen while a desktop waits on instance A', { timeout: 120_000 }, () => {
  let pair: RedisPair;
  let browser: Browser;
  const pages: Record<string, string> = {};

  before(async () => {
    pair = await startRedisPair(pages, { keyPrefix: 'okid-e2e-faults:', onError: () => undefined }, { pollIntervalMs: POLL_MS, logger: { warn: () => undefined, error: () => undefined } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pair?.close();
  });

  /** A page on A showing a new verification, its QR painted. */
  async function desktop(name: string): Promise<{ page: Page; verificationId: string }> {
    const response = await fetch(`${pair.a.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    const { verificationId } = (await response.json()) as { verificationId: string };
    // The element polls every minute: within the test, news reaches it through its stream.
    pages[`/${name}.html`] = handoffPage({ 'process-token': verificationId, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '60000' });
    const page = await browser.newPage();
    await recordEvents(page);
    await page.goto(`${pair.a.url}/${name}.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor({ timeout: 10_000 });
    return { page, verificationId };
  }

  async function finishOnPhone(verificationId: string): Promise<number> {
    const device = phone(pair.sandbox.url, verificationId);
    await device.open();
    await device.acceptTerms();
    await device.captureDocument();
    await device.captureLiveness();
    await device.submit();
    return Date.now();
  }

  /** Each status announced once, in order, and one okid-complete. */
  async function assertOneCompletion(page: Page): Promise<void> {
    const seen = await events(page);
    const snapshots = seen.filter((e) => e.type === 'okid-status').map((e) => JSON.stringify(e.detail));
    assert.equal(new Set(snapshots).size, snapshots.length, `no snapshot announced twice: ${snapshots.join('\n')}`);
    assert.equal(JSON.parse(snapshots.at(-1)!).status, 'completed');
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1, 'exactly one okid-complete');
    assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0);
  }

  it('shows the result within two poll intervals and fires okid-complete once, through the freeze and after it', async () => {
    const { page, verificationId } = await desktop('frozen');
    pair.redis.freeze();
    let shownAfterMs: number;
    try {
      const finished = await finishOnPhone(verificationId);
      // The sandbox completes 100 ms after the submit.
      await page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 2 * POLL_MS + SLACK_MS + 100 });
      shownAfterMs = Date.now() - finished;
      // Late copies (the webhooks okID retries, the hub's own once it answers) must change nothing.
    } finally {
      pair.redis.thaw();
    }
    console.log(`e2e redis-faults: result shown ${shownAfterMs} ms after the phone's submit with Redis frozen (poll ${POLL_MS} ms)`);
    // okID's retried webhooks (0.5, 1 and 2 s apart) now go through: they must change nothing.
    await page.waitForTimeout(3000);
    await assertOneCompletion(page);
    await page.close();

    // Redis answers again: the shared path carries the next verification as usual.
    const next = await desktop('after-thaw');
    await finishOnPhone(next.verificationId);
    await next.page.locator('okid-verify [part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 2 * POLL_MS + SLACK_MS });
    await assertOneCompletion(next.page);
    await next.page.close();
  });
});
