/**
 * The element under the strict Content-Security-Policy of issue 5, item 4, word for word:
 *
 *   default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;
 *   media-src 'self' blob:; connect-src 'self'; require-trusted-types-for 'script';
 *   trusted-types lit-html
 *
 * Nothing is added to it: the test pages are served by a small server that passes every other
 * request through to the operator server (handoff: the bundle and the /okid proxy) or to the
 * sandbox (capture: the bundle, the capture chunk, the face models and the capture API), so
 * everything the element loads or calls is 'self'. Every response, pages and scripts alike,
 * carries the policy. `securitypolicyviolation` events are recorded by an init script (exempt
 * from the page's CSP), and console messages and page errors about CSP or Trusted Types too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { createVerification, events, handoffPage, launchChromium, phone, recordEvents, startStack } from './support.js';
import type { Stack } from './support.js';
import { VIDEO_CACHE_DIR, documentVideo, faceVideo } from './videos.js';
import { RECORD_CSP_VIOLATIONS, STRICT_CSP, firstPage, launchPhone, startPageServer } from './audit-support.js';
import type { PageServer } from './audit-support.js';
import { LONG_TASK_PROBE, describeLongTasks, markLongTasks, readLongTasks } from './long-tasks.js';
import type { LongTaskReport } from './long-tasks.js';

interface Violation {
  directive: string;
  violated: string;
  blockedURI: string;
  source: string;
  sample: string;
  disposition: string;
  target?: string;
}

/** Watches a page for everything the policy refused. */
function watchPolicy(page: Page) {
  const messages: string[] = [];
  const policyText = /Content Security Policy|Content-Security-Policy|Trusted ?Type|TrustedHTML|TrustedScript|unsafe-eval|unsafe-inline/i;
  page.on('console', (message) => {
    if (policyText.test(message.text())) messages.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    if (policyText.test(error.message)) messages.push(`pageerror: ${error.message}`);
  });
  return {
    messages,
    violations: async (): Promise<Violation[]> => ((await page.evaluate('window.__csp').catch(() => [])) as Violation[]) ?? [],
  };
}

/**
 * Known defect (reported to the element's owner): the face detector chunk bundles TensorFlow.js,
 * whose 64-bit integer helper (long.js) compiles a tiny WebAssembly module when it is evaluated
 * (`new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, …])))`, in a
 * try/catch, falling back to JavaScript). Without 'wasm-unsafe-eval' the browser refuses it and
 * reports a script-src violation (blocked URI "wasm-eval") on every page that runs the face
 * check. The flow still works; the fix is in the build (strip or stub that probe), not the policy.
 */
const KNOWN_WASM_PROBE =
  "script-src refuses 'wasm-eval' from capture-chunks/bundled-face-detector-*.js: TensorFlow.js's long.js compiles a WebAssembly module at load";
const isWasmProbe = (v: Violation) => v.blockedURI === 'wasm-eval' && /\/capture-chunks\/bundled-face-detector-[^/]*\.js:/.test(v.source);

/** What the capture run under the policy saw. */
interface Found {
  violations: Violation[];
  messages: string[];
  finished?: Error | true;
  /** The phone's main thread from Start to the outcome. */
  faceCheck?: LongTaskReport;
}

const describeViolations = (violations: Violation[]) =>
  violations.map((v) => `${v.violated} (${v.directive}) blocked ${v.blockedURI || '(inline)'} at ${v.source}${v.sample ? ` sample: ${v.sample}` : ''}${v.target ? ` on <${v.target}>` : ''}`).join('\n');

describe('strict CSP with Trusted Types: zero violations', () => {
  let stack: Stack;
  let browser: Browser;
  let work: string;
  const servers: PageServer[] = [];

  before(async () => {
    stack = await startStack({}, 300);
    browser = await launchChromium();
    work = await mkdtemp(join(tmpdir(), 'okid-csp-'));
  });
  after(async () => {
    for (const server of servers) await server.close();
    await browser?.close();
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the server sends exactly the policy of the issue', async () => {
    const server = await startPageServer(stack.operator.url, { 'Content-Security-Policy': STRICT_CSP });
    servers.push(server);
    server.files['/probe.html'] = { body: '<!doctype html><title>probe</title>' };
    const response = await fetch(`${server.url}/probe.html`);
    assert.equal(response.headers.get('content-security-policy'), STRICT_CSP);
    const bundle = await fetch(`${server.url}/okid-verify.iife.js`);
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('content-security-policy'), STRICT_CSP, 'scripts carry it too (and lose the operator server’s own)');
  });

  it('desktop handoff: QR, copy, progress and okid-complete under the policy', async () => {
    const server = await startPageServer(stack.operator.url, { 'Content-Security-Policy': STRICT_CSP });
    servers.push(server);
    const created = await createVerification(stack);
    server.files['/handoff.html'] = {
      body: handoffPage({ 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' }),
    };
    const context = await browser.newContext();
    try {
      await context.addInitScript(RECORD_CSP_VIOLATIONS);
      const page = await context.newPage();
      const policy = watchPolicy(page);
      await recordEvents(page);
      await page.goto(`${server.url}/handoff.html`);
      const el = page.locator('okid-verify');
      await el.locator('svg[part="qr"]').waitFor();
      await el.locator('[part="time-left"]').waitFor();
      await el.locator('[part="copy-button"]').click();
      await page.waitForTimeout(200);
      const device = phone(stack.sandbox.url, created.verificationId);
      await device.open();
      await el.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
      await device.acceptTerms();
      await device.captureDocument();
      await el.locator('li[data-step="document"][data-state="completed"]').waitFor();
      await device.captureLiveness();
      await device.submit();
      await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor();
      await page.waitForTimeout(300);
      const seen = await events(page);
      assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1, 'the flow finished under the policy');
      const violations = await policy.violations();
      assert.deepEqual(violations, [], describeViolations(violations));
      assert.deepEqual(policy.messages, []);
    } finally {
      await context.close();
    }
  });

  /** The whole capture flow on a phone, on a page under the policy; what the policy refused goes to `found`. */
  async function captureUnderPolicy(found: Found): Promise<void> {
    const server = await startPageServer(stack.sandbox.url, { 'Content-Security-Policy': STRICT_CSP });
    servers.push(server);
    const created = await createVerification(stack);
    // The element's own attributes: no script on the page at all. The capture API is reached at
    // this origin (the server passes it to the sandbox), so connect-src 'self' is enough.
    server.files['/verify.html'] = {
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>capture under a strict CSP</title><script src="/okid-verify.iife.js"></script></head>
<body><main><okid-verify mode="capture" process-token="${created.verificationId}" api-url="${server.url}"></okid-verify></main></body></html>`,
    };
    const videos = { document: await documentVideo(VIDEO_CACHE_DIR), face: await faceVideo(VIDEO_CACHE_DIR) };
    const profile = join(work, 'phone');
    const open = async (video: string): Promise<{ context: BrowserContext; page: Page; done: () => Promise<void> }> => {
      const context = await launchPhone(profile, { video });
      await context.addInitScript(RECORD_CSP_VIOLATIONS);
      await context.addInitScript(LONG_TASK_PROBE);
      const page = await firstPage(context);
      const policy = watchPolicy(page);
      return {
        context,
        page,
        done: async () => {
          found.violations.push(...(await policy.violations()));
          found.messages.push(...policy.messages);
          await context.close();
        },
      };
    };

    // The document camera (a card video): front and back are taken by themselves.
    let phoneA = await open(videos.document);
    try {
      await phoneA.page.goto(`${server.url}/verify.html`);
      const el = phoneA.page.locator('okid-verify');
      await el.getByRole('button', { name: 'I agree, start' }).click();
      await el.getByRole('button', { name: 'ID card' }).click();
      // The card is taken by itself when sharp and still; else the user presses the shutter
      // (the policy is what is tested here, not the auto-capture).
      const takePhoto = async () => {
        const review = el.getByRole('heading', { name: 'Check the photo' });
        if (!(await review.waitFor({ timeout: 10_000 }).then(() => true, () => false))) {
          await el.getByRole('button', { name: 'Take photo' }).click();
          await review.waitFor();
        }
        await el.getByRole('button', { name: 'Use this photo' }).click();
      };
      await takePhoto();
      await el.getByRole('heading', { name: /back side/ }).waitFor();
      await takePhoto();
      await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
    } finally {
      await phoneA.done();
    }
    // Same phone, front camera (a face video): the face check with the bundled detector.
    phoneA = await open(videos.face);
    try {
      const models: string[] = [];
      phoneA.page.on('request', (request) => {
        if (request.url().includes('/models/')) models.push(request.url());
      });
      await phoneA.page.goto(`${server.url}/verify.html`);
      const el = phoneA.page.locator('okid-verify');
      await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor({ timeout: 15_000 });
      const since = await markLongTasks(phoneA.page);
      await el.getByRole('button', { name: 'Start' }).click();
      await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 120_000 });
      // The policy refuses the face worker, so the face check runs on the page's main thread.
      found.faceCheck = await readLongTasks(phoneA.page, since);
      console.log(`main-thread face check under the policy: ${describeLongTasks(found.faceCheck)}`);
      assert.ok(models.some((url) => url.startsWith(server.url) && url.endsWith('/models/tiny_face_detector_model.bin')), 'the bundled detector ran, its model from this origin');
    } finally {
      await phoneA.done();
    }
  }

  describe('phone capture: documents by camera, face check with the bundled detector, result', () => {
    const found: Found = { violations: [], messages: [] };

    before(async () => {
      try {
        await captureUnderPolicy(found);
        found.finished = true;
      } catch (error) {
        found.finished = error as Error;
      }
    });

    it('the capture flow reaches "You are verified" under the policy, the face check on the bundled detector', () => {
      if (found.finished !== true) throw found.finished ?? new Error('the flow did not run');
    });

    it('the face check on the main thread (the worker refused) never freezes the page: no task over 200 ms from Start to the outcome, warm-up included', () => {
      if (!found.faceCheck) throw new Error('the face check did not run');
      // Before its warm-up yielded: 2,644 ms quiet, 5,791 ms beside one other file. With the
      // compile-only passes done in one piece: 112–263 ms alone. Now that they only collect the
      // programs, which are compiled a slice at a time: 101–175 ms alone (8 runs). The file runs alone.
      assert.equal(found.faceCheck.method, 'longtask', 'Chromium has the Long Tasks API');
      assert.ok(found.faceCheck.longestMs <= 200, describeLongTasks(found.faceCheck));
    });

    it('zero securitypolicyviolation events and no CSP or Trusted Types errors in the console', () => {
      assert.deepEqual(found.violations, [], describeViolations(found.violations));
      assert.deepEqual(found.messages, []);
    });

    it('no violation but the known one above (TensorFlow.js long.js WebAssembly probe), so nothing else regresses meanwhile', () => {
      const others = found.violations.filter((v) => !isWasmProbe(v));
      assert.deepEqual(others, [], describeViolations(others));
      assert.deepEqual(found.messages.filter((m) => !/wasm|WebAssembly/i.test(m)), []);
    });
  });
});
