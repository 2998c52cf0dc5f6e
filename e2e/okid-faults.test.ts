/**
 * okID and the phone misbehaving, end to end: Chromium on the desktop page, the real proxy (the
 * demo operator server, polling okID: no webhooks), the real sandbox, and between the proxy and
 * the sandbox a fault-injecting relay on a real socket (see fault-relay.ts). In every case the
 * phone finishes while the fault lasts; once the fault ends, the desktop must show the final
 * status within two poll intervals, fire exactly one okid-complete, and okID must hold every
 * capture.
 *
 * "Polling" pages have their event stream refused (as a corporate proxy that breaks SSE does),
 * so status reaches them only through GET polls; the others follow the stream.
 *
 * Every case has its own relay and proxy (a "lane": the fault is the relay's, the poller is the
 * proxy's), so the cases share nothing but the sandbox and the browser. The okID cases spend
 * nearly all their time waiting on faults and poll intervals, so up to {@link CONCURRENCY} run at
 * once; the two phone cases, which keep the CPU busy, run after them one at a time.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { devices } from 'playwright';
import type { Browser, BrowserContext, Page } from 'playwright';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { picture } from './audit-support.js';
import { startFaultRelay } from './fault-relay.js';
import type { Fault, FaultRelay } from './fault-relay.js';
import { API_KEY, events, handoffPage, launchChromium, phone, recordEvents } from './support.js';

/** Poll interval of the element and of the proxy's okID poller. */
const INTERVAL_MS = 1000;
/** Two poll intervals, plus what the test itself needs to notice the page changed. */
const BOUND_MS = 2 * INTERVAL_MS + 400;
/** How long each status fault lasts while the phone finishes. */
const HOLD_MS = 2500;
/**
 * okID cases at once. Each holds one or two mostly idle desktop pages; its phone is plain HTTP.
 * Three at once missed the 2.4 s bound twice in a fresh clone beside other work (2,856 and
 * 5,711 ms, load ~13), and two at once missed it in the next (3,545 ms): one at a time, each case
 * still on its own relay and proxy.
 */
const CONCURRENCY = 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One case's own fault relay in front of the shared sandbox, and its own proxy behind it. */
interface Lane {
  relay: FaultRelay;
  operator: OperatorServer;
  close(): Promise<void>;
}

describe('okID and phone faults, end to end', { timeout: 240_000 }, () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let work: string;
  const pages: Record<string, string> = {};

  before(async () => {
    sandbox = await startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 0 });
    browser = await launchChromium();
    work = await mkdtemp(join(tmpdir(), 'okid-faults-'));
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A relay in front of the sandbox and the demo operator server's proxy behind it, polling okID through it. */
  async function startLane(): Promise<Lane> {
    const relay = await startFaultRelay(sandbox.url);
    const operator = await startOperatorServer({
      okidUrl: relay.url,
      frontendUrl: sandbox.url,
      apiKey: API_KEY,
      pages,
      proxy: { pollIntervalMs: INTERVAL_MS, timeoutMs: 1000, logger: { warn: () => {}, error: () => {} } },
    }).catch(async (error) => {
      await relay.close();
      throw error;
    });
    return {
      relay,
      operator,
      close: async () => {
        await operator.close();
        await relay.close();
      },
    };
  }

  /** Runs `body` with a fresh lane, closed afterwards whatever happened. */
  async function inLane<T>(body: (lane: Lane) => Promise<T>): Promise<T> {
    const lane = await startLane();
    try {
      return await body(lane);
    } finally {
      await lane.close();
    }
  }

  async function create({ operator }: Lane): Promise<{ verificationId: string; verificationUrl: string }> {
    const response = await fetch(`${operator.url}/okid/verifications?outcome=verified`, { method: 'POST' });
    assert.equal(response.status, 201);
    return (await response.json()) as { verificationId: string; verificationUrl: string };
  }

  /** The desktop page, showing the QR code of `id`, following it by stream or by polling. */
  async function desktop({ operator }: Lane, id: string, transport: 'stream' | 'polling'): Promise<Page> {
    pages[`/${id}.html`] = handoffPage({ 'process-token': id, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': String(INTERVAL_MS) });
    const page = await browser.newPage();
    if (transport === 'polling') await page.route('**/events', (route) => route.abort('connectionreset'));
    await recordEvents(page);
    await page.goto(`${operator.url}/${id}.html`);
    await page.locator('okid-verify svg[part="qr"]').waitFor();
    return page;
  }

  /** When the sandbox itself reports the final status (polled directly, bypassing the relay). */
  async function finalAt(id: string, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await fetch(`${sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
      const body = (await response.json()) as { status?: { current?: string } };
      if (body.status?.current === 'verified') return Date.now();
      if (Date.now() > deadline) throw new Error(`${id} never became final: ${JSON.stringify(body)}`);
      await sleep(25);
    }
  }

  async function finishOnPhone(id: string): Promise<void> {
    const device = phone(sandbox.url, id);
    await device.open();
    await device.acceptTerms();
    await device.captureDocument();
    await device.captureLiveness();
    await device.submit();
  }

  /**
   * What the person at the desktop sees once the fault allows (`since`): the outcome (within two
   * poll intervals: checked by {@link withinTwoIntervals}), one okid-complete (checked a full interval later, when a duplicate would
   * have come), no error that stopped the page, and every capture at okID.
   */
  async function expectFinal(page: Page, id: string, since: number, label: string, waitMs = 15_000): Promise<number> {
    // Bounded well past the requirement, so a failing case reports its time instead of hanging.
    await page
      .locator('okid-verify [part="outcome"]', { hasText: 'You are verified' })
      .waitFor({ timeout: waitMs })
      .catch(() => assert.fail(`${label}: no final status on the desktop within ${waitMs / 1000} s of the fault ending`));
    const took = Date.now() - since;
    await sleep(INTERVAL_MS);
    const seen = await events(page);
    assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1, `${label}: exactly one okid-complete`);
    assert.deepEqual(
      seen.filter((e) => e.type === 'okid-error' && !e.detail.recoverable),
      [],
      `${label}: no error that stops the page`,
    );
    for (const side of ['front', 'back', 'selfie']) {
      const image = await fetch(`${sandbox.url}/api/get-verification-image-${side}/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
      assert.equal(image.status, 200, `${label}: okID has the ${side} capture`);
    }
    return took;
  }

  /** The timing requirement, as its own subtest so a slow catch-up is reported apart from the rest. */
  const withinTwoIntervals = (t: TestContext, label: string, took: number) =>
    t.test(`${label}: final status within two poll intervals of the fault ending`, () => {
      assert.ok(took <= BOUND_MS, `${label}: the desktop showed the outcome ${took} ms after the fault allowed it (bound ${BOUND_MS} ms)`);
    });

  /** One status fault: starts it, lets the phone finish, holds it, ends it, checks the desktop. */
  const statusFault = (t: TestContext, label: string, fault: Fault, transport: 'stream' | 'polling' = 'stream'): Promise<void> =>
    inLane((lane) => statusFaultIn(lane, t, label, fault, transport));

  async function statusFaultIn(lane: Lane, t: TestContext, label: string, fault: Fault, transport: 'stream' | 'polling'): Promise<void> {
    const { relay } = lane;
    const { verificationId: id } = await create(lane);
    const page = await desktop(lane, id, transport);
    try {
      const faultedBefore = relay.counts.faulted;
      relay.setFault(fault);
      await finishOnPhone(id);
      await finalAt(id);
      await sleep(HOLD_MS);
      assert.ok(relay.counts.faulted > faultedBefore, `${label}: the proxy met the fault`);
      assert.equal(await page.locator('okid-verify [part="outcome"]').count(), 0, `${label}: nothing final shown while okID failed`);
      const cleared = Date.now();
      relay.setFault(undefined);
      const took = await expectFinal(page, id, cleared, label);
      console.log(`${label} (${transport}): final status on the desktop ${took} ms after the fault ended`);
      await withinTwoIntervals(t, `${label} (${transport})`, took);
    } finally {
      relay.setFault(undefined);
      await page.close();
    }
  }

  const retryAfterDate = () => new Date(Date.now() + 2000).toUTCString();
  const tooMany = (retryAfter: string): Fault => ({
    kind: 'answer',
    status: 429,
    headers: { 'Retry-After': retryAfter },
    body: JSON.stringify({ error: 'Rate limit exceeded' }),
  });

  // The cases where okID misbehaves each have their own lane and spend nearly all their time
  // waiting (faults held, poll intervals), so up to CONCURRENCY run at once.
  describe('okID failing, one lane per case', { concurrency: CONCURRENCY }, () => {
    it('okID down for 30 s, then back on the same port: a polling and a streaming desktop both catch up', { timeout: 90_000 }, (t) =>
      inLane(async (lane) => {
        const { relay } = lane;
        const polled = await create(lane);
        const streamed = await create(lane);
        const pollingPage = await desktop(lane, polled.verificationId, 'polling');
        const streamingPage = await desktop(lane, streamed.verificationId, 'stream');
        try {
          await relay.down();
          const refused = await fetch(`${relay.url}/healthz`).then(
            () => false,
            () => true,
          );
          assert.ok(refused, 'okID refuses connections while down');
          await finishOnPhone(polled.verificationId);
          await finishOnPhone(streamed.verificationId);
          await sleep(30_000);
          const back = Date.now();
          await relay.up();
          const results = await Promise.allSettled([
            // A generous bound so a miss reports its real figure; the requirement is the check below.
            expectFinal(pollingPage, polled.verificationId, back, 'okID down, polling', 40_000),
            expectFinal(streamingPage, streamed.verificationId, back, 'okID down, stream', 40_000),
          ]);
          for (const result of results) if (result.status === 'rejected') throw result.reason;
          const [polling, streaming] = results.map((r) => (r as PromiseFulfilledResult<number>).value) as [number, number];
          console.log(`okID down 30 s: final status ${polling} ms (polling) and ${streaming} ms (stream) after it came back`);
          await withinTwoIntervals(t, 'okID down, polling', polling);
          await withinTwoIntervals(t, 'okID down, stream', streaming);
        } finally {
          await relay.up();
          await pollingPage.close();
          await streamingPage.close();
        }
      }),
    );

    it('429 with Retry-After in seconds', (t) => statusFault(t, '429 Retry-After: 1', tooMany('1')));
    it('429 with Retry-After as an HTTP date', (t) => statusFault(t, '429 Retry-After: date', tooMany(retryAfterDate())));
    it('429 with a negative Retry-After', (t) => statusFault(t, '429 Retry-After: -5', tooMany('-5')));
    it('429 with a huge Retry-After, streaming', (t) => statusFault(t, '429 Retry-After: 999999999', tooMany('999999999')));
    // okID's absurd Retry-After is dropped; the proxy then tells browsers to wait one poll interval.
    it('429 with a huge Retry-After, polling', (t) =>
      statusFault(t, '429 Retry-After: 999999999', tooMany('999999999'), 'polling'),
    );
    it('500', (t) => statusFault(t, '500', { kind: 'answer', status: 500, body: JSON.stringify({ error: 'Internal server error' }) }));
    it('503', (t) => statusFault(t, '503', { kind: 'answer', status: 503, body: JSON.stringify({ error: 'Service unavailable' }) }));
    it('503, polling', (t) => statusFault(t, '503', { kind: 'answer', status: 503, body: JSON.stringify({ error: 'Service unavailable' }) }, 'polling'));
    it('a 200 whose body is not JSON', (t) => statusFault(t, 'invalid JSON', { kind: 'answer', status: 200, body: '{"verification_id": "ver_' }));
    it('a connection reset', (t) => statusFault(t, 'reset', { kind: 'reset' }));
    it('an answer that never comes (timeout)', (t) => statusFault(t, 'timeout', { kind: 'hang' }));
  });

  /**
   * Plays the phone's flow through the file picker (no camera permission) up to "Sending…":
   * the front photo is confirmed after `offline()` ran, so its upload fails and every later
   * capture is taken and kept while offline.
   */
  async function phoneUntilSending(phonePage: Page, verificationUrl: string, offline: () => Promise<void>): Promise<void> {
    await phonePage.goto(verificationUrl);
    const el = phonePage.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    let photos = 0;
    const pick = async () => el.locator('input[type="file"]').setInputFiles(picture(join(work, `photo-${photos++}.png`), [100 + photos * 9, 140, 170]));
    // Each step waits for the next screen, so no click lands on a button the last step disabled.
    await pick();
    await offline();
    await el.getByRole('button', { name: 'Use this photo' }).click();
    await el.getByRole('heading', { name: /back side/ }).waitFor();
    await pick();
    await el.getByRole('button', { name: 'Use this photo' }).click();
    await el.getByRole('button', { name: 'Start', exact: true }).click();
    const heading = el.getByRole('heading').first();
    for (let step = 0; step < 20; step++) {
      const title = await heading.textContent();
      if (title === 'Sending…') return;
      await pick();
      // The selfie screen first shows while the camera is still being asked for; a pick in that
      // instant lands on an input the camera fault screen then replaces (no person taps that
      // fast). When the screen has not moved on within 5 s, pick again.
      await phonePage
        .waitForFunction((before) => document.querySelector('okid-verify')?.shadowRoot?.querySelector('h2')?.textContent !== before, title, { timeout: 5000 })
        .catch(() => undefined);
    }
    throw new Error(`the phone never reached "Sending…": ${await el.textContent()}`);
  }

  /**
   * One phone case: a streaming desktop, and a phone (after `prepare`) played to "Sending…" with
   * its front upload cut offline; `whileOffline` checks the phone then, and once back online the
   * desktop must show the final status within two poll intervals of okID having it.
   */
  const phoneFault = (
    t: TestContext,
    label: string,
    prepare: (context: BrowserContext, phonePage: Page) => Promise<void>,
    whileOffline: (phonePage: Page, desktopPage: Page) => Promise<void>,
  ): Promise<void> =>
    inLane(async (lane) => {
      const created = await create(lane);
      const page = await desktop(lane, created.verificationId, 'stream');
      const context = await browser.newContext({ ...devices['Pixel 7'] });
      const phonePage = await context.newPage();
      try {
        await prepare(context, phonePage);
        await phoneUntilSending(phonePage, created.verificationUrl, () => context.setOffline(true));
        await whileOffline(phonePage, page);
        await context.setOffline(false);
        const final = await finalAt(created.verificationId, 30_000);
        const took = await expectFinal(page, created.verificationId, final, label);
        console.log(`${label}: final status on the desktop ${took} ms after okID had it`);
        await withinTwoIntervals(t, label, took);
      } finally {
        await context.close();
        await page.close();
      }
    });

  // The phone cases use the most CPU (photos picked, checked and kept on the phone): one at a
  // time, after the okID cases, so no other case's timing shares the CPU with them.
  it('the phone goes offline during an upload: the captures wait on the phone and all arrive', { timeout: 60_000 }, (t) =>
    phoneFault(
      t,
      'phone offline',
      async () => undefined,
      async (phonePage, page) => {
        await phonePage.locator('okid-verify').getByText('No connection. Your photos are safe on this phone').first().waitFor();
        await sleep(1500);
        assert.equal(await page.locator('okid-verify [part="outcome"]').count(), 0, 'nothing final while the phone is offline');
      },
    ),
  );

  it("the phone's storage is full: captures are kept in memory, the flow goes on, the page asks to stay, all arrive", { timeout: 60_000 }, (t) =>
    phoneFault(
      t,
      'phone storage full',
      async (context, phonePage) => {
        // A real quota, set before the phone page first touches storage: IndexedDB opens, and
        // every photo written to it fails with QuotaExceededError, as on a full phone. Offline
        // too, so the captures stay pending long enough to be seen waiting in memory.
        const cdp = await context.newCDPSession(phonePage);
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(sandbox.url).origin, quotaSize: 5000 });
      },
      async (phonePage) => {
        await phonePage.locator('okid-verify').getByText('Keep this page open until your photos are sent').first().waitFor();
        const stored = await phonePage.evaluate(
          () =>
            new Promise<number>((resolve, reject) => {
              const open = indexedDB.open('okid-verify');
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains('captures')) return resolve(-1);
                const count = db.transaction('captures', 'readonly').objectStore('captures').count();
                count.onsuccess = () => resolve(count.result);
                count.onerror = () => reject(count.error);
              };
            }),
        );
        assert.equal(stored, 0, 'the database opened, but the full quota kept every photo out of it');
      },
    ),
  );
});
