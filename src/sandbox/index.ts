/**
 * `okid-verify/sandbox`: a local, in-memory emulator of the okID API (v2client, v1 and the
 * capture API), with signed webhooks, rate limits, expiry and deterministic outcomes. The
 * default backend of the demo and of every test.
 *
 * ```ts
 * const sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
 * // … point the proxy at sandbox.url with the key 'sk_sandbox_demo' …
 * await sandbox.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowStep, FormField } from '../core/capture-api.js';
import type { SandboxContext } from './context.js';
import { DEFAULT_FLOW, defaultFormFields, parseFlow, parseFormFields } from './flow-options.js';
import { isHttpUrl } from './http.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { dispatch } from './router.js';
import { VerificationStore, type StoreEvent } from './store.js';
import { toWebhookData, toWebhookDocumented } from './views.js';
import { refuseUnknownOptions } from '../core/option-names.js';
import { WebhookSender } from './webhooks.js';
import { parseOperator, type Operator } from './operator.js';
import { isLoopbackHost } from './certificate.js';
import { createWebServer } from './web-server.js';
import type { ConnectionLimits, TlsCredentials } from './web-server.js';
import type { VendorApp, VendorOptions, VendorProvider } from './vendor.js';
import { createOotoApp } from './ooto/app.js';
import { createUqudoApp } from './uqudo/app.js';
import { DEFAULT_CONNECTION_LIMITS } from './web-server.js';

export { SANDBOX_OUTCOMES, type SandboxOutcome } from './store.js';
export { DEFAULT_FLOW } from './flow-options.js';
export type { Operator as SandboxOperator } from './operator.js';
export type { VendorProvider as SandboxVendor } from './vendor.js';
export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './web-server.js';

/** Options of {@link startSandbox}; every field is optional. */
export interface SandboxOptions {
  /** TCP port; default 8790; 0 picks a free port. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /**
   * Accepted `X-SDK-Key` values. Default on a loopback `host`: the well-known
   * `sk_sandbox_demo`. Beyond loopback (a phone on the network can reach it, and so can anyone
   * else there): a random key made for this run (read it from {@link Sandbox.apiKey}), and
   * `sk_sandbox_demo` is refused.
   */
  apiKey?: string | string[];
  /**
   * Where signed webhooks go. Needs `webhookSecret`. On loopback a v1 `callback_url` overrides it
   * per verification; beyond loopback a `callback_url` other than this URL is refused (400), so
   * nobody on the network can make the sandbox post to an address of their choosing.
   */
  webhookUrl?: string;
  /** HMAC secret of the `X-okID-Signature` header; without it no webhook is sent. */
  webhookSecret?: string;
  /** How long `processing` lasts before the outcome, in milliseconds; default 1500. */
  processingDelayMs?: number;
  /** Verification lifetime in seconds; default 1800. */
  ttlSeconds?: number;
  /**
   * How long an ended verification (finished, expired or canceled) is kept before it is
   * forgotten and its id answers 404, in milliseconds; default 3,600,000 (1 hour). Keeps a
   * long-running demo's memory flat.
   */
  retainEndedMs?: number;
  /**
   * The most capture bytes one verification may hold; default 20 MiB. An upload past it gets
   * a 413 in okID's error format.
   */
  maxCaptureBytes?: number;
  /**
   * The most bytes all verifications together may hold (captures, extra data, form values, and
   * 2 KiB per verification); default 128 MiB. Ended verifications are forgotten first, oldest
   * first; when running ones fill it, uploads get 413 and new verifications 429.
   */
  maxHeldBytes?: number;
  /**
   * Base of verification URLs and QR codes (`{frontendUrl}/verify?verification_id=…`); default
   * the sandbox's own URL. Set it to a LAN address to scan the QR code with a real phone.
   */
  frontendUrl?: string;
  /** The built element bundle served to `/verify`; default `dist/okid-verify.iife.js` of this package. */
  elementScriptPath?: string;
  /** Receives one line per request and per webhook attempt; default: silent. */
  log?: (line: string) => void;
  /**
   * Whether other origins may use the capture API (`/v1/flow/…`); default true. `false` makes
   * the sandbox act as okID does today, whose documents publish no capture API: it then answers
   * only the sandbox's own `/verify` page (its own origin or `frontendUrl`'s, okID's hosted portal
   * in this mode) and 404, in okID's error format, to every other origin. The element's
   * `capture="auto"` then falls back to that portal on phones.
   */
  captureApi?: boolean;
  /**
   * The steps of every verification that does not pick its own with `extra_data.sandbox_flow`:
   * any non-empty subset of `terms`, `document`, `liveness`, `form_data` (run in that order);
   * default `['terms', 'document', 'liveness']`.
   */
  flow?: readonly FlowStep[];
  /**
   * The form step's fields (`extra_data.sandbox_form` picks others per verification); default
   * given names, family name, date of birth and e-mail.
   */
  formFields?: readonly FormField[];
  /**
   * Who the sandbox verifies for: the operator's name and web address, which the phone's first
   * screen shows (flow config `operator`) so a forwarded link is easy to spot, e.g.
   * `{ name: 'Acme Rentals', url: 'https://rentals.example' }`; default none (nothing shown).
   */
  operator?: Operator;
  /**
   * Serves HTTPS beside plain HTTP on the same port (the first byte of a connection tells them
   * apart). Phones on the LAN need it: browsers give the camera only to secure pages.
   */
  tls?: TlsCredentials;
  /**
   * How long a stalled connection is kept and how many may be open at once; default Node's own
   * timeouts (headers 60 s, keep-alive 5 s, TLS handshake 120 s) and 100 connections.
   */
  connectionLimits?: ConnectionLimits;
  /**
   * `'documented'` answers only with what okID's documents show: v1 on its own origin (as if
   * `v1Port: 0`) whose record has `status: 'completed'` and the documented fields only (`id` is
   * okID's `ver_…` record id, not the token), v2 details with the documents' status words
   * (`generated`, `started`, `in_progress`, `verified`, `manual_review`, `failed`, `expired`),
   * and webhooks `{ event, data }` (events `started`, `completed`, `failed`, `expired`) signed as
   * the hex HMAC of the body. Default `'sandbox'`: the sandbox's fuller answers.
   */
  dialect?: 'sandbox' | 'documented';
  /**
   * Serves okID v1 (`POST /v1/verification/generate`, `GET /v1/verification/:id`) on a second
   * origin, this port on the same host (0 = any free port), as okID does (`api1.okid.io`);
   * the main origin then answers 404 there. Read the origin from {@link Sandbox.v1Url}.
   * Default: v1 on the main origin, unless `dialect: 'documented'`.
   */
  v1Port?: number;
  /**
   * Which vendor to emulate: `'okid'` (default, everything above), `'ooto'` (OOTO-AI's
   * Verification Link: sessions API, hosted flow page, unsigned callback) or `'uqudo'` (uqudo's
   * QR Code App: session API, WebSocket server, reader endpoints and a reader-app page), each
   * from its vendor's document ([docs/sandbox.md](../../docs/sandbox.md)). In a vendor mode
   * `apiKey` is OOTO's `APP-KEY` or uqudo's bearer token, `ttlSeconds` the session lifetime
   * (default 86400 for OOTO, 1800 for uqudo), `webhookUrl` beyond loopback where every OOTO
   * `callbackUrl` must point (it, or a path beneath it), and the options only okID has are refused.
   */
  provider?: 'okid' | VendorProvider;
  /** OOTO's `APP-ID` (`provider: 'ooto'` only); default `app_sandbox`. */
  appId?: string;
}

/** Every option name of {@link startSandbox}; any other is refused at start, naming the nearest. */
export const SANDBOX_OPTION_NAMES: readonly string[] = [
  'port', 'host', 'apiKey', 'webhookUrl', 'webhookSecret', 'processingDelayMs', 'ttlSeconds', 'retainEndedMs', 'maxCaptureBytes',
  'maxHeldBytes', 'frontendUrl', 'elementScriptPath', 'log', 'captureApi', 'flow', 'formFields', 'operator', 'tls',
  'connectionLimits', 'dialect', 'v1Port', 'provider', 'appId',
] satisfies readonly (keyof SandboxOptions)[];

/** A running sandbox. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:8790`, without a trailing slash. */
  url: string;
  /**
   * Base URL of okID v1 (`/v1/verification/…`): its own origin with `v1Port` or
   * `dialect: 'documented'`, else the same as {@link url}. Give it to the proxy as `v1BaseUrl`.
   */
  v1Url: string;
  /**
   * The first accepted `X-SDK-Key`: `sk_sandbox_demo` on loopback unless told otherwise, a
   * random one per run beyond loopback. A secret beyond loopback: print it on this computer's
   * terminal only, never on a page.
   */
  apiKey: string;
  /** The vendor emulated: `'okid'`, `'ooto'` or `'uqudo'`. */
  provider: 'okid' | VendorProvider;
  /** OOTO's `APP-ID` (with `provider: 'ooto'` only). */
  appId?: string;
  /** Stops the server, ends open connections, clears every timer and pending webhook retry. */
  close(): Promise<void>;
}

const WEBHOOK_EVENTS: Record<StoreEvent, string> = {
  started: 'verification.started',
  progress: 'verification.progress',
  completed: 'verification.completed',
  failed: 'verification.failed',
  expired: 'verification.expired',
  canceled: 'verification.canceled',
};

/** The events the documents list (`started`, `completed`, `failed`, `expired`); the others are not sent. */
const DOCUMENTED_EVENTS: Partial<Record<StoreEvent, string>> = {
  started: 'verification.started',
  completed: 'verification.completed',
  failed: 'verification.failed',
  expired: 'verification.expired',
  canceled: 'verification.failed',
};

/** Walks up from this module to the `okid-verify` package root; works from `src/` and `dist/`. */
function defaultElementScriptPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'okid-verify') {
          return join(dir, 'dist', 'okid-verify.iife.js');
        }
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'dist', 'okid-verify.iife.js');
    dir = parent;
  }
}

/** The key everyone knows from the README: only for a sandbox nobody else can reach. */
export const SANDBOX_DEMO_API_KEY = 'sk_sandbox_demo';

/** A fresh key for a sandbox on the network: 144 random bits. */
const randomApiKey = (): string => `sk_sandbox_${randomBytes(18).toString('base64url')}`;

/**
 * Where the sandbox listens and the keys it accepts, checked: the port, the host, and the keys
 * (beyond loopback a random key per run, and never the public `sk_sandbox_demo`).
 */
function listenAndKeys(options: SandboxOptions): { port: number; host: string; beyondLoopback: boolean; apiKeys: string[] } {
  const port = options.port ?? 8790;
  const host = options.host ?? '127.0.0.1';
  const beyondLoopback = !isLoopbackHost(host);
  const apiKeys = [options.apiKey ?? (beyondLoopback ? randomApiKey() : SANDBOX_DEMO_API_KEY)].flat();
  check(Number.isInteger(port) && port >= 0 && port <= 65535, 'port must be an integer from 0 to 65535');
  check(apiKeys.length > 0 && apiKeys.every((k) => typeof k === 'string' && k.trim() === k && k !== ''), 'apiKey must be non-empty strings without surrounding spaces');
  check(
    !beyondLoopback || !apiKeys.includes(SANDBOX_DEMO_API_KEY),
    `apiKey ${SANDBOX_DEMO_API_KEY} is public and host ${host} is reachable from the network: leave apiKey out for a random key, or pass a secret of your own`,
  );
  return { port, host, beyondLoopback, apiKeys };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new TypeError(`startSandbox: ${message}`);
}

/** Host part of a URL: IPv6 in brackets; the wildcard addresses become loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the sandbox and resolves once it listens. Rejects with a readable message for bad
 * options or a port in use.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  check(typeof options === 'object' && options !== null, 'options must be an object');
  refuseUnknownOptions('startSandbox', options, SANDBOX_OPTION_NAMES);
  const provider = options.provider ?? 'okid';
  check(provider === 'okid' || provider === 'ooto' || provider === 'uqudo', `provider must be 'okid', 'ooto' or 'uqudo'`);
  if (provider !== 'okid') return startVendorSandbox(options, provider);
  check(options.appId === undefined, `appId is OOTO's APP-ID: it needs provider 'ooto'`);
  const dialect = options.dialect ?? 'sandbox';
  check(dialect === 'sandbox' || dialect === 'documented', `dialect must be 'sandbox' or 'documented'`);
  const v1Port = options.v1Port ?? (dialect === 'documented' ? 0 : undefined);
  check(v1Port === undefined || (Number.isInteger(v1Port) && v1Port >= 0 && v1Port <= 65535), 'v1Port must be an integer from 0 to 65535');
  const { port, host, beyondLoopback, apiKeys } = listenAndKeys(options);
  const processingDelayMs = options.processingDelayMs ?? 1500;
  const ttlSeconds = options.ttlSeconds ?? 1800;
  const log = options.log ?? (() => {});
  check(Number.isFinite(processingDelayMs) && processingDelayMs >= 0, 'processingDelayMs must be 0 or more');
  check(Number.isFinite(ttlSeconds) && ttlSeconds > 0, 'ttlSeconds must be more than 0');
  check(options.retainEndedMs === undefined || (Number.isFinite(options.retainEndedMs) && options.retainEndedMs >= 0), 'retainEndedMs must be 0 or more');
  check(options.maxCaptureBytes === undefined || (Number.isInteger(options.maxCaptureBytes) && options.maxCaptureBytes > 0), 'maxCaptureBytes must be a whole number above 0');
  check(options.maxHeldBytes === undefined || (Number.isInteger(options.maxHeldBytes) && options.maxHeldBytes > 0), 'maxHeldBytes must be a whole number above 0');
  check(options.webhookUrl === undefined || isHttpUrl(options.webhookUrl), 'webhookUrl must be an http(s) URL');
  check(options.frontendUrl === undefined || isHttpUrl(options.frontendUrl), 'frontendUrl must be an http(s) URL');
  check(options.captureApi === undefined || typeof options.captureApi === 'boolean', 'captureApi must be true or false');
  const flow = options.flow === undefined ? { steps: [...DEFAULT_FLOW] } : parseFlow(options.flow);
  check('steps' in flow, `flow ${'reason' in flow ? flow.reason : ''}`);
  const formFields = options.formFields === undefined ? { fields: defaultFormFields() } : parseFormFields(options.formFields);
  check('fields' in formFields, `formFields ${'reason' in formFields ? formFields.reason : ''}`);
  const operator = options.operator === undefined ? undefined : parseOperator(options.operator);
  check(!operator || 'operator' in operator, `operator ${operator && 'reason' in operator ? operator.reason : ''}`);

  const webhooks = options.webhookSecret ? new WebhookSender({ secret: options.webhookSecret, log, dialect }) : undefined;
  if (options.webhookUrl && !webhooks) log('webhookUrl is set without webhookSecret: webhooks are off');

  const store = new VerificationStore({
    ttlMs: ttlSeconds * 1000,
    processingDelayMs,
    retainEndedMs: options.retainEndedMs,
    maxCaptureBytes: options.maxCaptureBytes,
    maxHeldBytes: options.maxHeldBytes,
    onEvent: (record, event) => {
      const target = record.callbackUrl ?? options.webhookUrl;
      if (!webhooks || !target) return;
      if (dialect === 'documented') {
        const documented = DOCUMENTED_EVENTS[event];
        if (documented) webhooks.send(target, record.id, documented, toWebhookDocumented(record));
        return;
      }
      webhooks.send(target, record.id, WEBHOOK_EVENTS[event], toWebhookData(store, record));
    },
  });

  let baseUrl = '';
  const ctx: SandboxContext = {
    store,
    apiKeys: new Set(apiKeys),
    callbackUrls: beyondLoopback ? { only: options.webhookUrl } : 'any',
    limiter: new SlidingWindowLimiter(100, 60_000),
    frontendUrl: () => (options.frontendUrl ?? baseUrl).replace(/\/+$/, ''),
    captureApi: options.captureApi ?? true,
    flow: 'steps' in flow ? flow.steps : DEFAULT_FLOW,
    formFields: 'fields' in formFields ? formFields.fields : [],
    operator: operator && 'operator' in operator ? operator.operator : undefined,
    elementScriptPath: options.elementScriptPath ?? defaultElementScriptPath(),
    dialect,
    v1OwnOrigin: v1Port !== undefined,
    log,
  };

  const server = createWebServer((req, res) => {
    void dispatch(ctx, req, res);
  }, options.tls, options.connectionLimits);

  const address = await server.listen(port, host).catch((error: NodeJS.ErrnoException) => {
    store.close();
    webhooks?.close();
    throw new Error(
      error.code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use; pick another with --port (0 = any free port)`
        : `cannot listen on ${host}:${port}: ${error.message}`,
    );
  });
  baseUrl = `http://${urlHost(host)}:${address.port}`;

  // okID v1 on its own origin: a second listener that serves only the v1 keyed API.
  let v1Server: ReturnType<typeof createWebServer> | undefined;
  let v1Url = baseUrl;
  if (v1Port !== undefined) {
    v1Server = createWebServer((req, res) => {
      void dispatch(ctx, req, res, 'v1');
    }, options.tls, options.connectionLimits);
    const v1Address = await v1Server.listen(v1Port, host).catch(async (error: NodeJS.ErrnoException) => {
      store.close();
      webhooks?.close();
      const closed = server.close();
      server.closeAllConnections();
      await closed;
      throw new Error(
        error.code === 'EADDRINUSE'
          ? `v1 port ${v1Port} on ${host} is already in use; pick another with --v1-port (0 = any free port)`
          : `cannot listen on ${host}:${v1Port}: ${error.message}`,
      );
    });
    v1Url = `http://${urlHost(host)}:${v1Address.port}`;
  }

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    v1Url,
    apiKey: apiKeys[0]!,
    provider: 'okid',
    close() {
      closing ??= (async () => {
        store.close();
        webhooks?.close();
        const closed = Promise.all([server.close(), v1Server?.close()]);
        server.closeAllConnections();
        v1Server?.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** The options only okID's emulation has: refused in a vendor mode rather than silently ignored. */
const OKID_ONLY_OPTIONS = [
  'webhookSecret', 'processingDelayMs', 'maxCaptureBytes', 'elementScriptPath', 'captureApi', 'flow', 'formFields', 'operator', 'dialect', 'v1Port',
] as const satisfies readonly (keyof SandboxOptions)[];

/** The default OOTO `APP-ID`. */
export const SANDBOX_OOTO_APP_ID = 'app_sandbox';

/** `startSandbox` for a vendor: the same server, limits and key rules, that vendor's routes. */
async function startVendorSandbox(options: SandboxOptions, provider: VendorProvider): Promise<Sandbox> {
  for (const name of OKID_ONLY_OPTIONS) check(options[name] === undefined, `${name} is an okID option; provider '${provider}' does not take it`);
  check(provider === 'ooto' || options.appId === undefined, `appId is OOTO's APP-ID: it needs provider 'ooto'`);
  check(provider === 'ooto' || options.webhookUrl === undefined, `webhookUrl is where OOTO callbacks may go beyond loopback; uqudo's document has no callback`);
  const { port, host, beyondLoopback, apiKeys } = listenAndKeys(options);
  const appId = options.appId ?? SANDBOX_OOTO_APP_ID;
  const ttlSeconds = options.ttlSeconds ?? (provider === 'ooto' ? 86_400 : 1800);
  const log = options.log ?? (() => {});
  check(typeof appId === 'string' && /^[\x21-\x7e]{1,200}$/.test(appId), 'appId must be 1 to 200 visible ASCII characters');
  check(Number.isFinite(ttlSeconds) && ttlSeconds > 0, 'ttlSeconds must be more than 0');
  check(options.retainEndedMs === undefined || (Number.isFinite(options.retainEndedMs) && options.retainEndedMs >= 0), 'retainEndedMs must be 0 or more');
  check(options.maxHeldBytes === undefined || (Number.isInteger(options.maxHeldBytes) && options.maxHeldBytes > 0), 'maxHeldBytes must be a whole number above 0');
  check(options.webhookUrl === undefined || isHttpUrl(options.webhookUrl), 'webhookUrl must be an http(s) URL');
  check(options.frontendUrl === undefined || isHttpUrl(options.frontendUrl), 'frontendUrl must be an http(s) URL');

  let baseUrl = '';
  const vendorOptions: VendorOptions = {
    apiKeys: new Set(apiKeys),
    appId,
    ttlSeconds,
    retainEndedMs: options.retainEndedMs ?? 3_600_000,
    maxHeldBytes: options.maxHeldBytes ?? 128 * 1024 * 1024,
    callbackUrls: beyondLoopback ? { only: options.webhookUrl } : 'any',
    frontendUrl: () => (options.frontendUrl ?? baseUrl).replace(/\/+$/, ''),
    authTimeoutMs: options.connectionLimits?.firstByteTimeout ?? DEFAULT_CONNECTION_LIMITS.firstByteTimeout,
    log,
  };
  const app: VendorApp = provider === 'ooto' ? createOotoApp(vendorOptions) : createUqudoApp(vendorOptions);
  let server: ReturnType<typeof createWebServer>;
  try {
    server = createWebServer((req, res) => app.handle(req, res), options.tls, options.connectionLimits, app.upgrade?.bind(app));
  } catch (error) {
    app.close();
    throw error;
  }
  const address = await server.listen(port, host).catch((error: NodeJS.ErrnoException) => {
    app.close();
    throw new Error(
      error.code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use; pick another with --port (0 = any free port)`
        : `cannot listen on ${host}:${port}: ${error.message}`,
    );
  });
  baseUrl = `http://${urlHost(host)}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    v1Url: baseUrl,
    apiKey: apiKeys[0]!,
    provider,
    ...(provider === 'ooto' ? { appId } : {}),
    close() {
      closing ??= (async () => {
        app.close();
        const closed = server.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
