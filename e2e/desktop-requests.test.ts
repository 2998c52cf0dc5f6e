/**
 * "A desktop page never loads capture code", checked by what Chromium actually requests: the same
 * page, once with the script-tag build (the IIFE from the operator server) and once with the ESM
 * build (dist/index.js as it ships, lit and zod from node_modules through an import map), opened
 * on a desktop-sized browser shows the QR code and follows a verification to its outcome through
 * the proxy and the sandbox without one request for the capture chunk, its chunks, the face
 * detector or its models. Opened on an emulated phone, the same page does request the capture
 * chunk: the pattern below is shown to match, so the desktop half can fail.
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { devices } from 'playwright';
import type { Browser, BrowserContextOptions } from 'playwright';
import { createVerification, decodeQrOnScreen, handoffPage, launchChromium, phone, startStack } from './support.js';
import type { Stack } from './support.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Capture code, in either build: the script-tag capture chunk and its chunks, the ESM build's
 * capture-flow chunk, the face detector (either build) and its models.
 */
const CAPTURE_CODE = /\/(?:okid-verify-capture\.js|capture-chunks\/|models\/|capture-flow-[^/]*\.js|bundled-face-detector[^/]*\.js)(?:[?#]|$)/;

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = devices['Pixel 7'];

/** The ESM build's page: lit and zod resolved by an import map, as an app without a bundler would. */
function esmPage(attributes: Record<string, string>): string {
  const imports = {
    lit: '/node_modules/lit/index.js',
    'lit/': '/node_modules/lit/',
    'lit-html': '/node_modules/lit-html/lit-html.js',
    'lit-html/': '/node_modules/lit-html/',
    'lit-element/': '/node_modules/lit-element/',
    '@lit/reactive-element': '/node_modules/@lit/reactive-element/reactive-element.js',
    '@lit/reactive-element/': '/node_modules/@lit/reactive-element/',
    'zod/mini': '/node_modules/zod/mini/index.js',
  };
  const attrs = Object.entries(attributes)
    .map(([key, value]) => `${key}="${value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
    .join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>e2e ESM</title>
<script type="importmap">${JSON.stringify({ imports })}</script><script type="module" src="/dist/index.js"></script></head>
<body><main><okid-verify ${attrs}></okid-verify></main></body></html>`;
}

/**
 * An operator site built on the ESM output: its pages, dist/*.js, lit and zod from node_modules,
 * and /okid/* handed on unchanged (Host included, so the proxy sees a same-origin request) to the
 * operator server, where the okid proxy runs.
 */
async function serveEsmSite(pages: Record<string, string>, operatorUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(operatorUrl);
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res); // event streams included: piped as they come
    });
    out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => out.destroy());
    req.pipe(out);
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/okid/')) return forward(req, res);
    if (pages[path] !== undefined) return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pages[path]);
    const served = /^\/dist\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.js$/.test(path) || /^\/node_modules\/(?:lit|lit-html|lit-element|@lit\/reactive-element|zod)\/[A-Za-z0-9._/-]+\.js$/.test(path);
    const file = normalize(`${ROOT}${path.slice(1)}`);
    try {
      if (!served || !file.startsWith(ROOT) || req.method !== 'GET') throw new Error('not served');
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(await readFile(file));
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a desktop page never requests capture code (real Chromium, both builds)', () => {
  let browser: Browser;
  let stack: Stack;
  let esmSite: { url: string; close(): Promise<void> };
  const operatorPages: Record<string, string> = {};
  const esmPages: Record<string, string> = {};
  let pageCount = 0;

  before(async () => {
    stack = await startStack(operatorPages);
    esmSite = await serveEsmSite(esmPages, stack.operator.url);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await esmSite?.close();
    await stack?.close();
  });

  const BUILDS = [
    {
      name: 'script-tag build (IIFE)',
      bundle: /\/okid-verify\.iife\.js$/,
      /** A new page of this build for `verificationUrl`, at a URL of its own. */
      page(verificationUrl: string): string {
        const path = `/desktop-iife-${++pageCount}.html`;
        operatorPages[path] = handoffPage({ 'verification-url': verificationUrl, 'proxy-url': '/okid', 'poll-interval': '300' });
        return stack.operator.url + path;
      },
    },
    {
      name: 'ESM build (dist/index.js)',
      bundle: /\/dist\/index\.js$/,
      page(verificationUrl: string): string {
        const path = `/desktop-esm-${++pageCount}.html`;
        esmPages[path] = esmPage({ 'verification-url': verificationUrl, 'proxy-url': '/okid', 'poll-interval': '300' });
        return esmSite.url + path;
      },
    },
  ];

  for (const build of BUILDS) {
    it(`${build.name}: the desktop follows a verification to its outcome without capture code; a phone on the same page loads it`, async () => {
      // The desktop: QR code, the phone's progress, the outcome. Every request is recorded.
      const created = await createVerification(stack);
      const desktop = await browser.newContext(DESKTOP);
      const desktopRequests: string[] = [];
      const pageErrors: string[] = [];
      desktop.on('request', (req) => desktopRequests.push(req.url()));
      const page = await desktop.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(build.page(created.verificationUrl));
      const element = page.locator('okid-verify');
      await element.locator('svg[part="qr"]').waitFor();
      assert.equal(await decodeQrOnScreen(page), `${created.verificationUrl}&lang=en`);
      const device = phone(stack.sandbox.url, created.verificationId);
      await device.open();
      await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
      await device.acceptTerms();
      await device.captureDocument();
      await device.captureLiveness();
      await device.submit();
      await element.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor();
      await page.waitForTimeout(500); // anything loaded late, after the outcome, is recorded too
      await desktop.close();

      assert.deepEqual(pageErrors, []);
      assert.ok(desktopRequests.some((url) => build.bundle.test(new URL(url).pathname)), `the page loaded the build under test: ${desktopRequests.join(', ')}`);
      assert.ok(desktopRequests.some((url) => url.includes('/okid/')), 'the page talked to the proxy');
      assert.deepEqual(desktopRequests.filter((url) => CAPTURE_CODE.test(url)), [], 'a desktop page requests no capture code');

      // A phone on the same page: capture mode, which loads the capture chunk (here the flow then
      // offers okID's portal instead, the sandbox's capture API not answering this page; the
      // chunk's load is what counts).
      const phoneCreated = await createVerification(stack);
      const mobile = await browser.newContext(PHONE);
      const phoneRequests: string[] = [];
      mobile.on('request', (req) => phoneRequests.push(req.url()));
      const phonePage = await mobile.newPage();
      const captureChunk = phonePage.waitForResponse((res) => CAPTURE_CODE.test(res.url()) && res.ok());
      await phonePage.goto(build.page(phoneCreated.verificationUrl));
      await captureChunk;
      await mobile.close();
      assert.ok(phoneRequests.some((url) => build.bundle.test(new URL(url).pathname)));
    });
  }
});
