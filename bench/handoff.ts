/**
 * Benchmarks of the desktop handoff, in headless Chromium against the sandbox through the demo
 * operator server: time to a painted QR code beside the sandbox's QR PNG, and the time from the
 * phone's submit to `okid-complete` with polling.
 */
import type { Browser, Page } from 'playwright';
import { createVerification, handoffPage, launchChromium, phone, startStack } from '../e2e/support.js';
import type { Stack } from '../e2e/support.js';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function withStack<T>(run: (stack: Stack, browser: Browser) => Promise<T>, processingDelayMs = 0): Promise<T> {
  const pages: Record<string, string> = { '/bench.html': handoffPage({}) };
  const stack = await startStack(pages, processingDelayMs); // webhooks on, as in production
  const browser = await launchChromium();
  try {
    return await run(stack, browser);
  } finally {
    await browser.close();
    await stack.close();
  }
}

/** Time from appending `<okid-verify>` to the frame in which its QR is painted, beside an <img> of the okID PNG. */
export async function qrPaint(runs = 20) {
  return withStack(async (stack, browser) => {
    const page = await browser.newPage();
    await page.goto(`${stack.operator.url}/bench.html`);
    await page.evaluate(() => document.querySelector('okid-verify')?.remove());
    const element: number[] = [];
    const png: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { verificationId } = await createVerification(stack);
      element.push(await timeElementQr(page, verificationId));
      png.push(await timePngQr(page, verificationId));
    }
    return {
      elementQrPaintMedianMs: round(median(element)),
      elementQrPaintMaxMs: round(Math.max(...element)),
      pngQrShowMedianMs: round(median(png)),
      runs,
    };
  });
}

function timeElementQr(page: Page, verificationId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const el = document.createElement('okid-verify');
    el.setAttribute('mode', 'handoff');
    el.setAttribute('proxy-url', '/okid');
    el.setAttribute('process-token', id);
    const start = performance.now();
    document.body.append(el);
    await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    if (!el.shadowRoot?.querySelector('svg[part="qr"] path')) throw new Error('no QR drawn');
    // The frame after the next animation frame has been painted.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const elapsed = performance.now() - start;
    el.remove();
    return elapsed;
  }, verificationId);
}

function timePngQr(page: Page, verificationId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const img = document.createElement('img');
    img.alt = 'QR';
    const start = performance.now();
    img.src = `/okid/verifications/${id}/qrcode.png`;
    document.body.append(img);
    await img.decode();
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const elapsed = performance.now() - start;
    img.remove();
    return elapsed;
  }, verificationId);
}

/**
 * Time from the phone's submit to `okid-complete` on the desktop, with `processingDelayMs: 0`.
 * `stream`: the proxy's event stream fed by okID's webhook. `polling`: the same page with the
 * event stream refused (as from a proxy without it), polling at the default 2 s.
 */
export async function submitToComplete(transport: 'stream' | 'polling', runs: number) {
  return withStack(async (stack, browser) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { verificationId } = await createVerification(stack);
      const page = await browser.newPage();
      if (transport === 'polling') await page.route('**/events', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"Not found","code":"NOT_FOUND"}' }));
      await page.goto(`${stack.operator.url}/bench.html`);
      await page.evaluate((id) => {
        const old = document.querySelector('okid-verify')!;
        const el = document.createElement('okid-verify');
        el.setAttribute('mode', 'handoff');
        el.setAttribute('proxy-url', '/okid');
        el.setAttribute('process-token', id);
        (window as unknown as { done: Promise<number> }).done = new Promise((resolve) =>
          el.addEventListener('okid-complete', () => resolve(Date.now())),
        );
        old.replaceWith(el);
      }, verificationId);
      const device = phone(stack.sandbox.url, verificationId);
      await device.open();
      await device.acceptTerms();
      await device.captureDocument();
      await device.captureLiveness();
      // A random pause puts the submit at a random point of the polling cycle, as in real use.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
      const submittedAt = Date.now();
      await device.submit();
      const completedAt = await page.evaluate(() => (window as unknown as { done: Promise<number> }).done);
      samples.push(completedAt - submittedAt);
      await page.close();
    }
    return { medianMs: round(median(samples), 0), maxMs: round(Math.max(...samples), 0), runs };
  });
}

/**
 * Time from opening the sandbox's /verify page on an emulated phone (fake camera, permission
 * granted) to the first frame of the live document camera: page load, capture chunk, flow call,
 * terms and document-type taps (done by script at once), getUserMedia, first video frame.
 */
export async function verifyPageToCamera(runs = 10) {
  const { chromium, devices } = await import('playwright');
  const { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } = await import('../e2e/support.js');
  return withStack(async (stack) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const browser = await chromium.launch({
        executablePath: CHROMIUM_EXECUTABLE,
        args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
      });
      try {
        const context = await browser.newContext({ ...devices['Pixel 7'] });
        const page = await context.newPage();
        const { verificationUrl } = await createVerification(stack);
        const start = Date.now();
        await page.goto(verificationUrl);
        const el = page.locator('okid-verify');
        await el.getByRole('button', { name: 'I agree, start' }).click();
        await el.getByRole('button', { name: 'ID card' }).click();
        await page.waitForFunction(() => {
          const video = document.querySelector('okid-verify')?.shadowRoot?.querySelector('video');
          return !!video && video.readyState >= 2 && video.videoWidth > 0;
        });
        samples.push(Date.now() - start);
      } finally {
        await browser.close();
      }
    }
    return { medianMs: round(median(samples), 0), maxMs: round(Math.max(...samples), 0), runs };
  });
}
