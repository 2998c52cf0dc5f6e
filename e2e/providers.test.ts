/**
 * OOTO-AI and uqudo behind the same element, end to end in Chromium: the desktop page (the IIFE
 * bundle on a plain page) creates through the proxy, its QR code decodes to the vendor's handoff,
 * a second Chromium page plays the phone on the sandbox's vendor pages (OOTO's hosted flow,
 * uqudo's reader), and the desktop shows each step and fires exactly one `okid-complete`. Faults
 * of the network between the proxy and the vendor are real: OOTO down and 429 through
 * `fault-relay.ts`; uqudo's WebSocket cut mid-session through a TCP relay written here. OOTO's
 * callback: a forged one is refused without a read, a replayed real one reads once and makes no
 * second event.
 */
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { ootoProvider, uqudoProvider } from '../src/server/index.js';
import type { VerificationProvider } from '../src/server/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from '../demo/operator-server.js';
import type { OperatorServer } from '../demo/operator-server.js';
import { startFaultRelay } from './fault-relay.js';
import type { FaultRelay } from './fault-relay.js';
import { API_KEY, decodeQrOnScreen, events, handoffPage, launchChromium, recordEvents } from './support.js';

const UQUDO_SECRET = 'e2e-uqudo-sealing-secret-0123456789';

/** Counts the proxy's calls to the vendor, and keeps what it sent (OOTO's callbackUrl). */
function countingFetch() {
  const calls: { method: string; url: string; body?: string }[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    calls.push({ method: request.method, url: request.url, ...(typeof init?.body === 'string' ? { body: init.body } : {}) });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

/** A TCP relay (for uqudo's WebSocket): forwards bytes; `cut()` destroys every connection, as a network drop. */
async function tcpRelay(target: string): Promise<{ url: string; cut(): void; connections: number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${address.port}/ws/v1/session`,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface VendorStack {
  sandbox: Sandbox;
  operator: OperatorServer;
  pages: Record<string, string>;
  close(): Promise<void>;
}

async function startVendorStack(provider: 'ooto' | 'uqudo', make: (sandbox: Sandbox, operatorPort: number) => Promise<VerificationProvider>): Promise<VendorStack> {
  const pages: Record<string, string> = {};
  const port = await freePort();
  const sandbox = await startSandbox({ provider, port: 0, apiKey: API_KEY });
  const operator = await startOperatorServer({ okidUrl: sandbox.url, apiKey: '', provider: await make(sandbox, port), pages, port, proxy: { pollIntervalMs: 400 } });
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

async function createSession(stack: VendorStack, outcome = 'verified') {
  const response = await fetch(`${stack.operator.url}/okid/verifications?outcome=${outcome}`, { method: 'POST' });
  assert.equal(response.status, 201);
  return (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string; handoff?: string };
}

/** Opens the desktop page for a session; records the okid-* events and any page error. */
async function desktop(browser: Browser, stack: VendorStack, created: { verificationId: string; verificationUrl: string }, path: string) {
  stack.pages[path] = handoffPage({ 'process-token': created.verificationId, 'verification-url': created.verificationUrl, 'proxy-url': '/okid', mode: 'handoff', 'poll-interval': '300' });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith(stack.operator.url)) errors.push(`the desktop page asked another origin: ${request.url()}`);
    if (JSON.stringify(request.headers()).includes(API_KEY)) errors.push(`key in a request to ${request.url()}`);
  });
  await recordEvents(page);
  await page.goto(stack.operator.url + path);
  const element = page.locator('okid-verify');
  await element.locator('svg[part="qr"]').waitFor();
  return { page, element, errors };
}

/** Presses the phone page's one button for the next step (its forms post and 303 back). */
async function press(phone: Page, label: string | RegExp): Promise<void> {
  await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: label }).click()]);
  await phone.waitForLoadState('load');
}

async function oneComplete(page: Page): Promise<Array<{ type: string; detail: any }>> {
  await page.waitForTimeout(1200); // any duplicate would arrive within a few polls
  const seen = await events(page);
  assert.equal(seen.filter((e) => e.type === 'okid-complete').length, 1, JSON.stringify(seen));
  assert.equal(seen.filter((e) => e.type === 'okid-error').length, 0, JSON.stringify(seen));
  return seen;
}

describe('OOTO-AI behind <okid-verify> (Chromium, okid.node proxy, the sandbox as OOTO-AI)', () => {
  let browser: Browser;
  let stack: VendorStack;
  let relay: FaultRelay;
  const vendor = countingFetch();

  before(async () => {
    browser = await launchChromium();
    stack = await startVendorStack('ooto', async (sandbox, port) => {
      // The proxy reaches OOTO through the relay (for the faults); the phone goes to the sandbox itself.
      relay = await startFaultRelay(sandbox.url);
      return ootoProvider({ appId: sandbox.appId!, appKey: API_KEY, baseUrl: relay.url, scopes: ['liveness', 'deepfake'], publicUrl: `http://127.0.0.1:${port}`, fetch: vendor.fetch });
    });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    await relay?.close();
  });

  it('desktop → QR of OOTO\'s url → the phone passes each step on OOTO\'s page → each step on the desktop, one okid-complete; forged callbacks refused unread, a replay reads once', async () => {
    assert.ok(relay, 'relay started');
    const created = await createSession(stack);
    const { page, element, errors } = await desktop(browser, stack, created, '/ooto.html');
    const handoff = await decodeQrOnScreen(page);
    assert.ok(handoff?.startsWith(created.verificationUrl), `QR: ${handoff}`);
    assert.match(created.verificationUrl, new RegExp(`^${stack.sandbox.url}/flow/`));

    const phone = await browser.newPage();
    await phone.goto(handoff!);
    await press(phone, "I'm not a robot");
    await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
    await element.locator('li[data-step="terms"][data-state="completed"]').waitFor();
    await press(phone, /^Start liveness/);
    await press(phone, 'Continue');
    await element.locator('li[data-step="liveness"][data-state="completed"]').waitFor();
    await press(phone, 'Continue');
    await phone.getByRole('heading', { name: 'Verification done' }).waitFor();
    await element.locator('[part="outcome"]').waitFor();
    const seen = await oneComplete(page);
    const statuses = [...new Set(seen.filter((e) => e.type === 'okid-status').map((e) => e.detail.status))];
    assert.deepEqual(statuses, ['created', 'opened', 'in_progress', 'processing', 'completed'].filter((s) => statuses.includes(s)));
    assert.ok(statuses.includes('opened') && statuses.includes('completed'), statuses.join());
    for (const event of seen) assert.doesNotMatch(JSON.stringify(event.detail), /demography|landmarks|score/);
    assert.deepEqual(errors, []);

    // The callback path the proxy made for this session, as OOTO was told it.
    const createCall = vendor.calls.find((call) => call.method === 'POST' && call.body?.includes('callbackUrl'));
    const callbackUrl = String((JSON.parse(createCall!.body!) as { callbackUrl: string }).callbackUrl);
    const reads = () => vendor.calls.filter((call) => call.method === 'GET').length;
    const before = reads();
    for (const forged of [callbackUrl.replace(/\/[^/]+$/, `/${'A'.repeat(43)}`), `${stack.operator.url}/okid/webhooks/ooto/${'B'.repeat(24)}/${'C'.repeat(43)}`]) {
      assert.equal((await fetch(forged, { method: 'POST', body: JSON.stringify({ status: 'DONE' }) })).status, 401);
    }
    assert.equal(reads(), before, 'a forged callback costs no read');
    assert.equal((await fetch(callbackUrl, { method: 'POST', body: '{}' })).status, 204);
    assert.equal(reads(), before + 1, 'a replayed callback: one read');
    await oneComplete(page);
    await phone.close();
    await page.close();
  });

  it('OOTO down, then 429, mid-session: the desktop catches up once OOTO answers, one okid-complete', async () => {
    const created = await createSession(stack);
    const { page, element } = await desktop(browser, stack, created, '/ooto-faults.html');
    const phone = await browser.newPage();
    await phone.goto((await decodeQrOnScreen(page))!);
    await press(phone, "I'm not a robot");
    await element.locator('li[data-step="terms"][data-state="completed"]').waitFor();
    await relay.down();
    await press(phone, /^Start liveness/);
    await press(phone, 'Continue');
    await page.waitForTimeout(1500);
    assert.equal(await element.locator('li[data-step="liveness"][data-state="completed"]').count(), 0, 'nothing is invented while OOTO is down');
    await relay.up();
    await element.locator('li[data-step="liveness"][data-state="completed"]').waitFor();
    relay.setFault({ kind: 'answer', status: 429, headers: { 'Retry-After': '1' }, body: '{"error":"slow down"}' });
    await press(phone, 'Continue');
    await page.waitForTimeout(1500);
    relay.setFault(undefined);
    await element.locator('[part="outcome"]').waitFor();
    assert.ok(relay.counts.faulted > 0);
    await oneComplete(page);
    await phone.close();
    await page.close();
  });
});

describe('uqudo behind <okid-verify> (Chromium, okid.node proxy, the sandbox as uqudo, its WebSocket held by the proxy)', () => {
  let browser: Browser;
  let stack: VendorStack;
  let socketRelay: Awaited<ReturnType<typeof tcpRelay>>;

  before(async () => {
    browser = await launchChromium();
    stack = await startVendorStack('uqudo', async (sandbox) => {
      // uqudo's socket through a TCP relay the test can cut; its HTTP API direct.
      socketRelay = await tcpRelay(sandbox.url);
      return uqudoProvider({
        token: API_KEY,
        baseUrl: sandbox.url,
        wsUrl: socketRelay.url,
        secret: UQUDO_SECRET,
        documents: [{ documentType: 'PASSPORT', reading: { enabled: true } }],
        facialRecognition: { enabled: true },
        reconnect: { baseMs: 100, maxMs: 500 },
      });
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await socketRelay?.close();
  });

  it('desktop → QR of the reader link → the reader plays SCAN, READ, FACE, INFO → each step on the desktop, one okid-complete', async () => {
    const created = await createSession(stack);
    assert.match(created.verificationId, /^uq1\./);
    const { page, element, errors } = await desktop(browser, stack, created, '/uqudo.html');
    const handoff = await decodeQrOnScreen(page);
    assert.ok(handoff?.startsWith(created.verificationUrl), `QR: ${handoff}`);
    assert.match(created.verificationUrl, new RegExp(`^${stack.sandbox.url}/reader/`));
    const phone = await browser.newPage();
    await phone.goto(handoff!);
    await press(phone, 'Scan document');
    await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
    await press(phone, 'Read chip');
    await element.locator('li[data-step="document"][data-state="completed"]').waitFor();
    await press(phone, 'Face check');
    await element.locator('li[data-step="liveness"][data-state="completed"]').waitFor();
    await press(phone, 'Finish');
    await phone.getByRole('heading', { name: 'Onboarding done' }).waitFor();
    await element.locator('[part="outcome"]').waitFor();
    const seen = await oneComplete(page);
    const vendorWords = seen.filter((e) => e.type === 'okid-status').map((e) => e.detail.vendorStatus ?? '-');
    assert.deepEqual([...new Set(vendorWords)], ['-', 'SCAN', 'READ', 'FACE', 'INFO']);
    assert.deepEqual(errors, []);
    await phone.close();
    await page.close();
  });

  it('a WebSocket cut mid-session is reopened with backoff; the steps after it reach the desktop, one okid-complete', async () => {
    const created = await createSession(stack);
    const { page, element } = await desktop(browser, stack, created, '/uqudo-drop.html');
    const phone = await browser.newPage();
    await phone.goto((await decodeQrOnScreen(page))!);
    await press(phone, 'Scan document');
    await element.getByRole('heading', { name: 'Continue on your phone' }).waitFor();
    const before = socketRelay.connections;
    socketRelay.cut();
    const deadline = Date.now() + 5000;
    while (socketRelay.connections === before && Date.now() < deadline) await page.waitForTimeout(50);
    assert.ok(socketRelay.connections > before, 'the proxy reopened the socket');
    await page.waitForTimeout(300); // authenticated again (the first message) before the reader plays on
    await press(phone, 'Read chip');
    await element.locator('li[data-step="document"][data-state="completed"]').waitFor();
    await press(phone, 'Face check');
    await press(phone, 'Finish');
    await element.locator('[part="outcome"]').waitFor();
    await oneComplete(page);
    await phone.close();
    await page.close();
  });
});
