/**
 * Leaks of the element, in Chromium against the real proxy and sandbox: hundreds of cycles of
 * creating, connecting and removing <okid-verify> must leave no running timer, open
 * EventSource, pending fetch, pending animation frame or live MediaStreamTrack, and the JS heap
 * (after a forced GC) must return near where it started, with no element instance kept alive.
 *
 * The page is instrumented before the element loads (an init script wraps setTimeout,
 * setInterval, requestAnimationFrame, EventSource, fetch and getUserMedia), so what is counted
 * is what the element's own code started and did not end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, CDPSession, Page } from 'playwright';
import { createVerification, launchChromium, startStack } from './support.js';
import type { Stack } from './support.js';

const HANDOFF_CYCLES = 500;
/** Each capture cycle starts Chromium's fake camera: about 30 ms, so all 500 fit too. */
const CAPTURE_CYCLES = 500;

/** Wraps what can outlive an element, before any page script runs; `window.__leaks()` reads the counts. */
const INSTRUMENT = `(() => {
  const real = { setTimeout, clearTimeout, setInterval, clearInterval, requestAnimationFrame, cancelAnimationFrame };
  window.__realSetTimeout = real.setTimeout.bind(window);
  const timers = new Map();
  const intervals = new Map();
  const frames = new Set();
  const sources = new Set();
  // Ended tracks are dropped from this list when counted, so the instrument itself holds no memory.
  let tracks = [];
  let tracksStarted = 0;
  let gumCalls = 0;
  let fetches = 0;
  const started = { timers: 0, eventSources: 0, fetches: 0 };
  const where = () => (new Error().stack || '').split('\\n').slice(2, 5).join(' | ');
  window.setTimeout = function (fn, ms, ...args) {
    const id = real.setTimeout.call(window, (...a) => { timers.delete(id); if (typeof fn === 'function') fn(...a); }, ms, ...args);
    timers.set(id, where());
    started.timers++;
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); return real.clearTimeout.call(window, id); };
  window.setInterval = function (fn, ms, ...args) {
    const id = real.setInterval.call(window, fn, ms, ...args);
    intervals.set(id, where());
    return id;
  };
  window.clearInterval = function (id) { intervals.delete(id); return real.clearInterval.call(window, id); };
  window.requestAnimationFrame = function (fn) {
    const id = real.requestAnimationFrame.call(window, (t) => { frames.delete(id); fn(t); });
    frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function (id) { frames.delete(id); return real.cancelAnimationFrame.call(window, id); };
  const RealEventSource = window.EventSource;
  window.EventSource = class extends RealEventSource {
    constructor(...args) {
      super(...args);
      sources.add(this);
      started.eventSources++;
      this.addEventListener('error', () => { if (this.readyState === RealEventSource.CLOSED) sources.delete(this); });
    }
    close() { sources.delete(this); super.close(); }
  };
  const realFetch = window.fetch;
  window.fetch = function (...args) {
    fetches++;
    started.fetches++;
    const done = () => { fetches--; };
    const pending = realFetch.apply(this, args);
    pending.then(done, done);
    return pending;
  };
  if (navigator.mediaDevices) {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      gumCalls++;
      const stream = await gum(constraints);
      tracks.push(...stream.getTracks());
      tracksStarted += stream.getTracks().length;
      return stream;
    };
  }
  window.__leaks = () => (tracks = tracks.filter((t) => t.readyState === 'live'), {
    timers: timers.size,
    intervals: intervals.size,
    frames: frames.size,
    eventSources: sources.size,
    fetches,
    liveTracks: tracks.filter((t) => t.readyState === 'live').length,
    tracksStarted,
    gumCalls,
    started: { ...started },
    where: [...timers.values(), ...intervals.values()].slice(0, 5),
  });
})()`;

/** tsx compiles the functions given to page.evaluate with esbuild's `__name` helper; the page needs it too. */
const NAME_HELPER = 'window.__name = (fn) => fn';

interface Leaks {
  timers: number;
  intervals: number;
  frames: number;
  eventSources: number;
  fetches: number;
  liveTracks: number;
  tracksStarted: number;
  gumCalls: number;
  /** How many of each the page started in all, ended or not: proof the instrument saw the work. */
  started: { timers: number; eventSources: number; fetches: number };
  where: string[];
}

/** The counts once whatever was aborted has settled (up to 5 s: an abort settles a fetch a task later). */
async function settledLeaks(page: Page): Promise<Leaks> {
  return page.evaluate(async () => {
    const w = window as unknown as { __leaks(): Leaks; __realSetTimeout(fn: () => void, ms: number): void };
    const deadline = Date.now() + 5000;
    for (;;) {
      const now = w.__leaks();
      const busy = now.timers + now.intervals + now.frames + now.eventSources + now.fetches + now.liveTracks;
      if (busy === 0 || Date.now() > deadline) return now;
      await new Promise<void>((resolve) => w.__realSetTimeout(resolve, 50));
    }
  });
}

/** JS heap used after a full GC, in bytes, and how many OkidVerifyElement instances are alive. */
async function heapAfterGc(cdp: CDPSession): Promise<{ used: number; elements: number }> {
  for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const proto = await cdp.send('Runtime.evaluate', { expression: "customElements.get('okid-verify').prototype" });
  const instances = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId! });
  const count = await cdp.send('Runtime.callFunctionOn', {
    objectId: instances.objects.objectId!,
    functionDeclaration: 'function () { return this.length; }',
    returnByValue: true,
  });
  await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'console' }).catch(() => undefined);
  return { used: usedSize, elements: count.result.value as number };
}

const KB = 1024;

describe('element leaks over many create → connect → remove cycles', { timeout: 240_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  const pages: Record<string, string> = {};

  before(async () => {
    stack = await startStack(pages, 200);
    // Chromium's fake camera (a moving test pattern): the camera starts, nothing is ever captured.
    browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--js-flags=--expose-gc']);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it(`handoff: ${HANDOFF_CYCLES} cycles against the real proxy leave nothing running and the heap where it was`, async () => {
    const created = await createVerification(stack);
    pages['/leaks.html'] = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>leaks</title><script src="/okid-verify.iife.js"></script></head><body><main id="host"></main></body></html>`;
    const page = await browser.newPage();
    await page.addInitScript(NAME_HELPER);
    await page.addInitScript(INSTRUMENT);
    await page.goto(`${stack.operator.url}/leaks.html`);
    await page.waitForFunction(() => customElements.get('okid-verify') !== undefined);
    const cdp = await page.context().newCDPSession(page);

    /**
     * `count` cycles: even ones are removed while their first status read is in flight, odd ones
     * once the first status arrived (stream open, polling scheduled).
     */
    const cycles = (count: number) =>
      page.evaluate(
        async ({ count, id }) => {
          const host = document.getElementById('host')!;
          let statuses = 0;
          for (let n = 0; n < count; n++) {
            const el = document.createElement('okid-verify');
            el.setAttribute('process-token', id);
            el.setAttribute('proxy-url', '/okid');
            el.setAttribute('mode', 'handoff');
            el.setAttribute('poll-interval', '250');
            const status = new Promise<void>((resolve) => el.addEventListener('okid-status', () => resolve(), { once: true }));
            host.appendChild(el);
            if (n % 2 === 1) {
              await status;
              statuses++;
            } else {
              const w = window as unknown as { __leaks(): { started: { fetches: number } }; __realSetTimeout(fn: () => void, ms: number): void };
              const reads = w.__leaks().started.fetches;
              while (w.__leaks().started.fetches === reads) await new Promise<void>((resolve) => w.__realSetTimeout(resolve, 0));
            }
            el.remove();
          }
          return statuses;
        },
        { count, id: created.verificationId },
      );

    await cycles(20);
    const warm = await settledLeaks(page);
    const start = await heapAfterGc(cdp);
    const began = Date.now();
    const statuses = await cycles(HANDOFF_CYCLES);
    const elapsed = Date.now() - began;
    assert.equal(statuses, HANDOFF_CYCLES / 2, 'every waited-for element received its status');
    const leaks = await settledLeaks(page);
    const opened = leaks.started.eventSources - warm.started.eventSources;
    const fetched = leaks.started.fetches - warm.started.fetches;
    // An element removed before its first status never opens its stream: half the cycles do.
    assert.ok(opened >= HANDOFF_CYCLES / 2, `${opened} event streams opened`);
    assert.ok(fetched >= HANDOFF_CYCLES, `${fetched} status reads started`);
    const end = await heapAfterGc(cdp);
    console.log(
      `handoff: ${HANDOFF_CYCLES} cycles in ${elapsed} ms; heap ${(start.used / KB).toFixed(0)} KB → ${(end.used / KB).toFixed(0)} KB; ` +
        `${opened} streams and ${fetched} reads started; left running: ${JSON.stringify({ ...leaks, where: undefined, started: undefined })}`,
    );
    assert.deepEqual(
      { timers: leaks.timers, intervals: leaks.intervals, frames: leaks.frames, eventSources: leaks.eventSources, fetches: leaks.fetches },
      { timers: 0, intervals: 0, frames: 0, eventSources: 0, fetches: 0 },
      `left running after removal: ${leaks.where.join(' || ')}`,
    );
    assert.equal(end.elements, 0, 'no removed element is kept alive');
    // One leaked element with its shadow DOM and controllers is tens of KB; 500 would be megabytes.
    assert.ok(end.used - start.used < 512 * KB, `heap grew ${((end.used - start.used) / KB).toFixed(0)} KB over ${HANDOFF_CYCLES} cycles`);
    await page.close();
  });

  it(`capture: ${CAPTURE_CYCLES} cycles with the fake camera end every track and leave nothing running`, async () => {
    const created = await createVerification(stack);
    const page = await browser.newPage();
    await page.addInitScript(NAME_HELPER);
    await page.addInitScript(INSTRUMENT);
    // The sandbox's own phone page: its element is the first cycle; accept the terms and choose
    // the document once, so every later element resumes straight at the live camera.
    await page.goto(created.verificationUrl);
    const el = page.locator('okid-verify');
    await el.getByRole('button', { name: 'I agree, start' }).click();
    await el.getByRole('button', { name: 'ID card' }).click();
    await el.locator('video[part="camera"]').waitFor();
    const cdp = await page.context().newCDPSession(page);

    /**
     * `count` cycles: even ones removed once their camera track is live, odd ones the moment the
     * camera is asked for (getUserMedia still pending, the usual way a track outlives its page);
     * resolves with the tracks started.
     */
    const cycles = (count: number) =>
      page.evaluate(
        async ({ count, url }) => {
          const w = window as unknown as { __leaks(): { liveTracks: number; tracksStarted: number; gumCalls: number }; __realSetTimeout(fn: () => void, ms: number): void };
          const host = document.getElementById('okid-root')!;
          const tick = () => new Promise<void>((resolve) => w.__realSetTimeout(resolve, 10));
          for (let n = 0; n < count; n++) {
            for (const old of host.querySelectorAll('okid-verify')) old.remove();
            const started = w.__leaks().tracksStarted;
            const asked = w.__leaks().gumCalls;
            const early = n % 2 === 1;
            const el = document.createElement('okid-verify');
            el.setAttribute('mode', 'capture');
            el.setAttribute('verification-url', url);
            el.setAttribute('api-url', location.origin);
            host.appendChild(el);
            const deadline = Date.now() + 10_000;
            while (early ? w.__leaks().gumCalls === asked : w.__leaks().tracksStarted === started || w.__leaks().liveTracks === 0) {
              if (Date.now() > deadline) throw new Error(`cycle ${n}: the camera never started: ${el.shadowRoot?.textContent}`);
              await tick();
            }
            el.remove();
          }
          return w.__leaks().tracksStarted;
        },
        { count, url: created.verificationUrl },
      );

    await cycles(5);
    await settledLeaks(page);
    const start = await heapAfterGc(cdp);
    const before = (await settledLeaks(page)).tracksStarted;
    const began = Date.now();
    const tracks = (await cycles(CAPTURE_CYCLES)) - before;
    const elapsed = Date.now() - began;
    assert.ok(tracks >= CAPTURE_CYCLES / 2, `${tracks} camera tracks started`);
    const leaks = await settledLeaks(page);
    const end = await heapAfterGc(cdp);
    console.log(
      `capture: ${CAPTURE_CYCLES} cycles (${tracks} tracks) in ${elapsed} ms; heap ${(start.used / KB).toFixed(0)} KB → ${(end.used / KB).toFixed(0)} KB; ` +
        `left running: ${JSON.stringify({ ...leaks, where: undefined })}`,
    );
    assert.equal(leaks.liveTracks, 0, 'every camera track ended');
    assert.deepEqual(
      { timers: leaks.timers, intervals: leaks.intervals, frames: leaks.frames, eventSources: leaks.eventSources, fetches: leaks.fetches },
      { timers: 0, intervals: 0, frames: 0, eventSources: 0, fetches: 0 },
      `left running after removal: ${leaks.where.join(' || ')}`,
    );
    assert.equal(end.elements, 0, 'no removed element is kept alive');
    assert.ok(end.used - start.used < 1024 * KB, `heap grew ${((end.used - start.used) / KB).toFixed(0)} KB over ${CAPTURE_CYCLES} cycles`);
    await page.close();
  });
});
