/**
 * The framework examples run, not only type-check: Vite builds examples/react-app (React 19),
 * examples/vue-app (a Vue 3 single-file component) and examples/react-ssr (renderToString on the
 * server, hydrateRoot on the client) with each example's own vite.config.ts, and Chromium opens
 * each beside the real proxy and sandbox. In each the element draws its QR code, a phone plays
 * the verification through, and okid-complete reaches the framework's own handler exactly once:
 * the app renders what its handler stored in React state or Vue reactive state.
 * Needs `npm run build` (the apps import okid-verify's dist/ through package.json's exports).
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { build, createLogger } from 'vite';
import type { InlineConfig, Logger } from 'vite';
import { startSsrServer } from '../examples/react-ssr/server.js';
import { API_KEY, decodeQrOnScreen, launchChromium, phone, startStack } from './support.js';
import type { Stack } from './support.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Inside the package, so the built server entry resolves react and okid-verify; ignored by git. */
const OUT = `${ROOT}.tmp/frameworks-${process.pid}/`;

/** A strict policy for the apps' pages: their own scripts and styles only, nothing inline. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/** Builds one example with its own vite.config.ts; resolves to what Vite warned about. */
async function viteBuild(example: string, outDir: string, extra: InlineConfig['build'] = {}): Promise<string[]> {
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const customLogger: Logger = {
    ...logger,
    warn: (message) => warnings.push(message),
    warnOnce: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  const root = `${ROOT}examples/${example}`;
  await build({ root, configFile: `${root}/vite.config.ts`, logLevel: 'warn', customLogger, build: { outDir, emptyOutDir: true, ...extra } });
  return warnings;
}

/**
 * Serves a built single-page app as an operator's site would: its files from `dir`, and /okid/*
 * handed on unchanged (Host included, so the create route sees a same-origin request) to the
 * operator server, where the okid proxy runs.
 */
async function serveApp(dir: string, operatorUrl: string): Promise<{ url: string; close(): Promise<void> }> {
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
    const file = normalize(`${dir}${path === '/' ? '/index.html' : path}`);
    try {
      if (!file.startsWith(dir) || req.method !== 'GET') throw new Error('not served');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP }).end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

describe('framework examples, built with Vite and run in Chromium (React 19, Vue 3, React server rendering)', () => {
  let browser: Browser;
  let stack: Stack;
  const closers: Array<() => Promise<void>> = [];
  const warnings: Record<string, string[]> = {};
  const urls: Record<'react' | 'vue' | 'ssr', string> = { react: '', vue: '', ssr: '' };

  before(
    async () => {
      warnings.react = await viteBuild('react-app', `${OUT}react`);
      warnings.vue = await viteBuild('vue-app', `${OUT}vue`);
      warnings['ssr client'] = await viteBuild('react-ssr', `${OUT}ssr/client`);
      warnings['ssr server'] = await viteBuild('react-ssr', `${OUT}ssr/server`, { ssr: 'src/entry-server.tsx' });
      stack = await startStack();
      closers.push(() => stack.close());
      for (const app of ['react', 'vue'] as const) {
        const served = await serveApp(`${OUT}${app}`, stack.operator.url);
        closers.push(served.close);
        urls[app] = served.url;
      }
      const ssr = await startSsrServer({ dist: `${OUT}ssr`, okid: { apiKey: API_KEY, baseUrl: stack.sandbox.url, frontendUrl: stack.sandbox.url } });
      closers.push(ssr.close);
      urls.ssr = ssr.url;
      browser = await launchChromium();
    },
    { timeout: 180_000 },
  );
  after(async () => {
    await browser?.close();
    for (const close of closers.reverse()) await close();
    await rm(OUT, { recursive: true, force: true });
  });

  it('each example builds with its own vite.config.ts without a warning', () => {
    assert.deepEqual(warnings, { react: [], vue: [], 'ssr client': [], 'ssr server': [] });
  });

  /** Opens an app and collects what would show in the console: script errors, failed loads, CSP refusals. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // A failed load is reported by the response listener below, with its URL.
      if ((message.type() === 'error' || message.type() === 'warning') && !message.text().startsWith('Failed to load resource')) {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(url);
    return { page, problems };
  }

  /** QR drawn and pointing at this verification; the phone goes through; the app's handler ran once. */
  async function verifyThrough(page: Page, problems: string[]): Promise<void> {
    const verificationId = await page.locator('main[data-verification-id]').getAttribute('data-verification-id');
    assert.match(verificationId ?? '', /^ver_/);
    await page.locator('okid-verify').locator('svg[part="qr"]').waitFor();
    // The element builds okID's verification URL from process-token (its default frontend-url).
    const decoded = new URL((await decodeQrOnScreen(page)) ?? 'about:blank');
    assert.equal(decoded.searchParams.get('verification_id'), verificationId, `QR code: ${decoded.href}`);

    const device = phone(stack.sandbox.url, verificationId!);
    await device.open();
    await device.acceptTerms();
    await device.captureDocument();
    await device.captureLiveness();
    await device.submit();

    const completed = page.getByRole('list', { name: 'Completed verifications' }).getByRole('listitem');
    await completed.first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1000); // a duplicate okid-complete would arrive within a few polls
    assert.deepEqual(await completed.allTextContents(), [`${verificationId}: verified`]);
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.deepEqual(problems, []);
  }

  it('React 19 app: the element shows its QR code and okid-complete reaches React state once', async () => {
    const { page, problems } = await open(urls.react);
    await verifyThrough(page, problems);
    await page.close();
  });

  it('Vue 3 single-file component: the element shows its QR code and okid-complete reaches Vue state once', async () => {
    const { page, problems } = await open(urls.vue);
    await verifyThrough(page, problems);
    await page.close();
  });

  it('React renderToString: the server writes the tag with its attributes, and after hydration okid-complete reaches React state once', async () => {
    const html = await (await fetch(urls.ssr)).text();
    assert.match(html, /<okid-verify process-token="ver_[\w-]+" proxy-url="\/okid" locale="en"><\/okid-verify>/);
    assert.doesNotMatch(html, /<script>/, 'no inline script: the id travels in the markup');

    const { page, problems } = await open(urls.ssr);
    await verifyThrough(page, problems);
    await page.close();
  });
});
