/**
 * What every end-to-end test starts: the real sandbox, the demo operator server with the okid
 * proxy, and Debian's Chromium (or the one CHROMIUM_PATH names, or Playwright's own).
 */
import { chromiumExecutable } from '../scripts/chromium.js';
import { chromium } from 'playwright';
import type { Browser, Page } from 'playwright';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { createRedisHub } from '../src/server/index.js';
import type { OkidHub, OkidProxyOptions, RedisHubOptions } from '../src/server/index.js';
import { startRedis } from '../test/node/redis-helpers.js';
import type { RedisServer } from '../test/node/redis-helpers.js';

export const API_KEY = 'sk_e2e_secret_key_do_not_leak';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** CHROMIUM_PATH, else Debian's Chromium, else Playwright's own (undefined). */
export const CHROMIUM_EXECUTABLE = chromiumExecutable();

export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS, ...args] });
}

export interface Stack {
  sandbox: Sandbox;
  operator: OperatorServer;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'whsec_e2e';

/**
 * Sandbox + operator server wired as in production: the sandbox's signed webhooks go to the
 * proxy, which pushes them to the page's event stream. `pages` are extra HTML pages the
 * operator serves; `webhooks: false` leaves the proxy to poll okID.
 */
export async function startStack(pages: Record<string, string> = {}, processingDelayMs = 300, webhooks = true): Promise<Stack> {
  const port = await freePort();
  const sandbox = await startSandbox({
    port: 0,
    apiKey: API_KEY,
    processingDelayMs,
    ...(webhooks ? { webhookUrl: `http://127.0.0.1:${port}/okid/webhooks`, webhookSecret: WEBHOOK_SECRET } : {}),
  });
  const operator = await startOperatorServer({ okidUrl: sandbox.url, apiKey: API_KEY, pages, port, webhookSecret: webhooks ? WEBHOOK_SECRET : undefined });
  return {
    sandbox,
    operator,
    close: async () => {
      await operator.close();
      await sandbox.close();
    },
  };
}

export interface RedisPair {
  redis: RedisServer;
  sandbox: Sandbox;
  /** The instance the page is on. */
  a: OperatorServer;
  /** The instance the sandbox's webhooks go to. */
  b: OperatorServer;
  /** Stops everything, Redis last (thawed first if a test froze it). */
  close(): Promise<void>;
}

/**
 * Two proxy instances sharing status through one real redis-server: the page's on A, the
 * sandbox's signed webhooks delivered to B, so what the page sees has crossed Redis.
 */
export async function startRedisPair(pages: Record<string, string>, hub: Omit<RedisHubOptions, 'url' | 'client'>, proxy: Partial<OkidProxyOptions>): Promise<RedisPair> {
  const redis = await startRedis();
  const hubs: OkidHub[] = [];
  const started: { sandbox?: Sandbox; a?: OperatorServer; b?: OperatorServer } = {};
  const close = async () => {
    redis.thaw();
    await started.a?.close();
    await started.b?.close();
    for (const shared of hubs) await shared.close();
    await started.sandbox?.close();
    await redis.stop();
  };
  try {
    const portB = await freePort();
    const sandbox = (started.sandbox = await startSandbox({
      port: 0,
      apiKey: API_KEY,
      processingDelayMs: 100,
      webhookUrl: `http://127.0.0.1:${portB}/okid/webhooks`,
      webhookSecret: WEBHOOK_SECRET,
    }));
    const instance = (port: number) => {
      const shared = createRedisHub({ ...hub, url: redis.url });
      hubs.push(shared);
      return startOperatorServer({ okidUrl: sandbox.url, apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET, port, pages, proxy: { ...proxy, hub: shared } });
    };
    const a = (started.a = await instance(0));
    const b = (started.b = await instance(portB));
    return { redis, sandbox, a, b, close };
  } catch (error) {
    // Nothing started is left running when a later part fails to start.
    await close().catch(() => undefined);
    throw error;
  }
}

/** Creates a verification through the proxy's create route, as an operator's page would. */
export async function createVerification(stack: Stack, outcome = 'verified', flow?: string) {
  const query = new URLSearchParams({ outcome, ...(flow ? { flow } : {}) });
  const response = await fetch(`${stack.operator.url}/okid/verifications?${query}`, { method: 'POST' });
  if (response.status !== 201) throw new Error(`create answered ${response.status}`);
  return (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string };
}

/** A page with one element, loading only the IIFE bundle (the script-tag integration). */
export function handoffPage(attributes: Record<string, string>, scripts = 1): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => `${key}="${value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
    .join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>e2e</title>${'<script src="/okid-verify.iife.js"></script>'.repeat(scripts)}</head>
<body><main><okid-verify ${attrs}></okid-verify></main></body></html>`;
}

/** Records every okid-* event on the page into `window.__okidEvents`. */
export async function recordEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const events: Array<{ type: string; detail: unknown }> = [];
    (window as unknown as { __okidEvents: unknown }).__okidEvents = events;
    for (const type of ['okid-status', 'okid-complete', 'okid-error']) {
      document.addEventListener(type, (event) => events.push({ type, detail: (event as CustomEvent).detail }));
    }
  });
}

export const events = (page: Page): Promise<Array<{ type: string; detail: any }>> =>
  page.evaluate(() => (window as unknown as { __okidEvents: Array<{ type: string; detail: any }> }).__okidEvents);

/** Screenshots the element's QR code and decodes it with jsQR, as a phone camera would. */
export async function decodeQrOnScreen(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('okid-verify').locator('svg[part="qr"]').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);

/** Plays the phone's side through the capture API: open, terms, captures, submit. */
export function phone(sandboxUrl: string, verificationId: string) {
  const flowUrl = `${sandboxUrl}/v1/flow/${verificationId}`;
  let headers: Record<string, string> = {};
  let prompts: string[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(flowUrl + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const put = (kind: string) =>
    call(`/captures/${kind}`, { method: 'PUT', body: JPEG, headers: { 'Content-Type': 'image/jpeg', 'Idempotency-Key': `${kind}-1` } });
  return {
    async open() {
      const flow = await call('');
      headers = { 'X-Okid-Device': flow.deviceToken };
      prompts = flow.liveness.prompts;
      return flow;
    },
    acceptTerms: () => call('/terms', { method: 'POST' }),
    async captureDocument() {
      await put('document_front');
      await put('document_back');
    },
    async captureLiveness() {
      await put('selfie');
      for (let i = 0; i < prompts.length; i++) await put(`liveness_${i}`);
    },
    submit: () => call('/submit', { method: 'POST', body: JSON.stringify({ documentType: 'id_card' }), headers: { 'Content-Type': 'application/json' } }),
  };
}
