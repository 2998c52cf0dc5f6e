/**
 * `createOkidProxy` options: their types and the validation that runs once, at creation, so a
 * misconfigured proxy fails at boot with a message naming the option instead of failing on the
 * first browser request. The checks themselves are in `option-checks.ts`.
 */
import { DEFAULT_BODY_TIMEOUT_MS } from './http/body.js';
import { createClientResolver } from './http/client-address.js';
import type { TrustProxyOption } from './http/client-address.js';
import type { OkidHub } from './hub/hub.js';
import { resolveLimits } from './http/limits.js';
import type { OkidProxyLimits, ResolvedLimits } from './http/limits.js';
import { createMemoryHub } from './hub/memory-hub.js';
import { checkAllowedOrigins, checkApiKey, checkBasePath, checkHub, checkNumber, checkSecrets, fail, httpUrl, positiveMs, safeLogger } from './option-checks.js';
import type { OkidProxyLogger } from './common/log.js';
import type { CreateHook, CreateVerificationInput } from './http/create-route.js';
import { refuseUnknownOptions } from '../core/option-names.js';
import { statusWordsWith } from './okid/status-words.js';
import type { StatusWords } from './okid/status-words.js';
import { DEFAULT_BASE_URL, DEFAULT_V1_BASE_URL } from './okid/transport.js';
import { checkWebhookScheme } from './webhooks/signature.js';
import { checkApiVersionOf } from './okid/api-version.js';
import type { ApiVersionOf } from './okid/api-version.js';
import type { WebhookScheme } from './webhooks/signature.js';
import { isProvider } from './providers/provider.js';
import type { VerificationProvider } from './providers/provider.js';

export type { CreateVerificationInput };

/** Options of {@link createOkidProxy}. */
export interface OkidProxyOptions {
  /** okID API key. Sent upstream only, as `X-SDK-Key`; never logged, never sent to a browser. */
  apiKey: string;
  /** okID is the provider when `apiKey` is given (see {@link VendorProxyOptions} for the others). */
  provider?: undefined;
  /**
   * okID v2client base URL (http or https); default `https://verify.prod.okid.io`
   * (`https://verify.stage.okid.io` for staging, or a sandbox URL).
   */
  baseUrl?: string;
  /** okID v1 base URL, where `tok_…` tokens are read; default `https://api1.okid.io` (the v1 document's `apiUrl`). */
  v1BaseUrl?: string;
  /**
   * Which okID API reads an id that does not start with `tok_` (those are v1 process tokens,
   * always): `'v1'` (on `v1BaseUrl`) or `'v2'`. Default: v2 for every other form. Checked to
   * be a function at start; an answer other than `'v1'`/`'v2'` is logged and answered 500.
   */
  apiVersionOf?: ApiVersionOf;
  /**
   * okID status words beyond the built-in table, each mapped to a word the table knows, e.g.
   * `{ awaiting_review: 'manual_review' }`. Checked at start. A word in neither is shown as in
   * progress, with okID's word in the snapshot's `vendorStatus`, and logged once.
   */
  statusWords?: Readonly<Record<string, string>>;
  /** Path prefix the proxy answers under; starts with `/`. Default `/okid`. */
  basePath?: string;
  /**
   * Secret(s) of okID webhook signatures. Enables `POST {basePath}/webhooks` (404 without it).
   * Give several while rotating: a delivery signed with any of them is accepted.
   */
  webhookSecret?: string | readonly string[];
  /** How far a webhook's timestamp may be from now, in seconds, either direction. Default 300. */
  webhookToleranceSeconds?: number;
  /**
   * Pins how okID's webhook signature is read (see `WebhookScheme`): `'body:hex'`,
   * `'body:base64'`, `'timestamp.body:hex'` or `'timestamp.body:base64'`. Default: every reading
   * is accepted, and the first accepted delivery logs which one matched.
   */
  webhookScheme?: WebhookScheme;
  /**
   * The push hub that carries status snapshots to the event streams
   * (`GET {basePath}/verifications/{id}/events`). Default: a fresh {@link createMemoryHub} for
   * this proxy. With several instances behind a load balancer, give each the same
   * `createRedisHub({ url })`, so a webhook received by one reaches browsers held by another.
   * The proxy never closes a hub it was given.
   */
  hub?: OkidHub;
  /**
   * Milliseconds between two okID polls of a verification watched by event streams. One poll
   * per interval per verification, however many browsers watch it (and, with a shared hub, on
   * however many instances). A webhook postpones the next poll. Default 2000 without
   * `webhookSecret`, 10000 with it (polling is then only the fallback).
   */
  pollIntervalMs?: number;
  /** Milliseconds between heartbeat comments on an event stream, which keep idle connections open. Default 15000. */
  heartbeatMs?: number;
  /** Milliseconds an `EventSource` waits before reconnecting, sent as `retry:`. Default 3000. */
  sseRetryMs?: number;
  /**
   * Enables `POST {basePath}/verifications`. Decides, from the operator's own session, what to
   * send okID; the browser's body is never forwarded. Return `null` or `false` to refuse (403).
   * It should check that the request comes from a signed-in user of the operator's site.
   */
  create?: CreateHook;
  /**
   * Origins (`https://shop.example`, scheme, host and port; no path) whose pages may call
   * `POST {basePath}/verifications` besides the proxy's own. That route is refused with 403
   * `ACCESS_DENIED` (so another site cannot make a signed-in user's browser create
   * verifications: CSRF) unless the request either
   * - sends an `Origin` whose scheme, host and port equal the request's own (the scheme from
   *   `X-Forwarded-Proto` with `trustProxy`) or are listed here, and `Sec-Fetch-Site` is not
   *   `cross-site` (a listed origin may be cross-site); or
   * - sends no `Origin` and `Sec-Fetch-Site: same-origin`; or
   * - sends neither header (a server-to-server call: browsers send at least one on a POST).
   * So `Sec-Fetch-Site: same-site` without `Origin` (a sibling subdomain) and an `http://` page
   * calling an `https://` proxy are refused. List your site's origin here when the page and the
   * proxy are on different origins, or when a reverse proxy in front rewrites the `Host` header
   * or ends TLS (or set `trustProxy`). Default: none.
   */
  allowedOrigins?: readonly string[];
  /**
   * Runs before any upstream call on every per-verification route (status, event stream, QR
   * code), so the operator can tie a verification to its user. Only `true` lets the request
   * through; `false` → 403; a throw → 500 without details.
   *
   * Without it, anyone who knows (or is sent) a verification id can read its status, follow
   * its stream and fetch its QR code, and the proxy logs a warning at start saying so. Give
   * `'public'` to say that this is intended (ids handed out only to their owners, nothing
   * sensitive in the status): the routes stay open and the warning is silenced.
   */
  authorize?: ((request: Request, verificationId: string) => boolean | Promise<boolean>) | 'public';
  /**
   * Per-client and per-instance caps: open event streams, stream lifetime, creates and reads of
   * unknown ids per window. Over a limit: 429 `{ error, code: 'RATE_LIMITED' }` with
   * `Retry-After`. Counted in the hub when it can count (a Redis hub: across instances), else in
   * this instance. Defaults in {@link OkidProxyLimits}.
   */
  limits?: OkidProxyLimits;
  /**
   * Which reverse proxies in front of this server to believe about the client's address (in
   * `X-Forwarded-For`) and scheme (`X-Forwarded-Proto`): `true` for one hop, a number of hops,
   * or a list of proxy addresses and CIDR ranges. The client is the first address, from the
   * right, that no trusted hop vouches for. Default: none, and those headers are ignored (each
   * client is the socket's address), since any client can write them.
   */
  trustProxy?: TrustProxyOption;
  /** The `fetch` used to call okID (for tests, proxies, instrumentation). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds one okID call may take before the browser gets 504. Default 10000. */
  timeoutMs?: number;
  /** Host of the verification page in `verificationUrl`s. Default: `baseUrl`. */
  frontendUrl?: string;
  /** Where operator-facing warnings go. Default `console`. */
  logger?: OkidProxyLogger;
}

/** okID's own options of {@link createOkidProxy}, which mean nothing with another vendor. */
export type OkidOnlyOptionName = 'apiKey' | 'baseUrl' | 'v1BaseUrl' | 'apiVersionOf' | 'statusWords' | 'webhookSecret' | 'webhookScheme' | 'webhookToleranceSeconds' | 'frontendUrl';

/**
 * Options of {@link createOkidProxy} with another vendor behind it: `provider` is
 * `ootoProvider({ … })` (OOTO-AI) or `uqudoProvider({ … })` (uqudo), and okID's own options are
 * left out (refused by name at start). The element needs no change: it reads the same snapshot
 * and create answer whichever vendor is behind.
 */
export type VendorProxyOptions = Omit<OkidProxyOptions, OkidOnlyOptionName | 'provider'> & {
  provider: VerificationProvider;
  apiKey?: undefined;
};

/** Options after validation, with defaults filled in. */
export interface ResolvedProxyOptions {
  /** okID's key; empty with another provider. */
  apiKey: string;
  /** Another vendor, or `undefined` for okID. */
  provider: VerificationProvider | undefined;
  baseUrl: string;
  v1BaseUrl: string;
  apiVersionOf: ApiVersionOf | undefined;
  statusWords: StatusWords;
  webhookScheme: WebhookScheme | undefined;
  basePath: string;
  webhookSecrets: readonly string[];
  create: OkidProxyOptions['create'];
  /** The hook, or `undefined` when there is none (or `'public'` was given). */
  authorize: ((request: Request, verificationId: string) => boolean | Promise<boolean>) | undefined;
  limits: ResolvedLimits;
  trustProxy: TrustProxyOption | undefined;
  /** How long a request body may take to arrive, in milliseconds (internal; tests shorten it). */
  bodyTimeoutMs: number;
  /** Normalized origins (`URL.origin`) allowed to call the create route. */
  allowedOrigins: ReadonlySet<string>;
  fetch: typeof fetch;
  timeoutMs: number;
  frontendUrl: string;
  logger: OkidProxyLogger;
  webhookToleranceSeconds: number;
  hub: OkidHub;
  pollIntervalMs: number;
  heartbeatMs: number;
  sseRetryMs: number;
}

/**
 * Key of an internal option: the body deadline in milliseconds (default 10000), so tests need not
 * wait 10 s. Not part of the public options.
 */
export const BODY_TIMEOUT_OPTION = Symbol.for('okid-verify.bodyTimeoutMs');

/** The start-up warning of a proxy without `authorize`. */
export const NO_AUTHORIZE_WARNING =
  'okid-verify: createOkidProxy has no authorize hook, so anyone who knows a verification id can read its status, ' +
  'follow its event stream and fetch its QR code. Pass authorize(request, verificationId) to tie each verification ' +
  "to your signed-in user, or authorize: 'public' if open access is intended (this also silences this warning).";

/** Default upstream timeout in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default poll interval of watched verifications without webhooks, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** Default poll interval when webhooks push the status, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_WITH_WEBHOOKS_MS = 10_000;
/** Default heartbeat interval of event streams, in milliseconds. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Default `retry:` of event streams, in milliseconds. */
export const DEFAULT_SSE_RETRY_MS = 3_000;

/** Every option name of `createOkidProxy`; any other is refused at start, naming the nearest. */
export const PROXY_OPTION_NAMES: readonly string[] = [
  'apiKey', 'baseUrl', 'v1BaseUrl', 'apiVersionOf', 'basePath', 'webhookSecret', 'webhookToleranceSeconds', 'webhookScheme', 'statusWords',
  'hub', 'pollIntervalMs', 'heartbeatMs', 'sseRetryMs', 'create', 'allowedOrigins', 'authorize', 'limits', 'trustProxy',
  'fetch', 'timeoutMs', 'frontendUrl', 'logger', 'provider',
] satisfies readonly (keyof OkidProxyOptions)[];

/** Validates options and fills defaults. Throws a `TypeError` naming the bad option. */
export function resolveOptions(given: OkidProxyOptions | VendorProxyOptions): ResolvedProxyOptions {
  // Read as the okID shape: a vendor's options are that shape minus okID's own (checked below).
  const options = given as Omit<OkidProxyOptions, 'provider'> & { provider?: VerificationProvider };
  if (typeof options !== 'object' || options === null) fail('options must be an object.');
  refuseUnknownOptions('createOkidProxy', options, PROXY_OPTION_NAMES);
  const provider = checkProvider(options);
  const apiKey = provider === undefined ? checkApiKey(options.apiKey) : '';
  const baseUrl = httpUrl('baseUrl', options.baseUrl ?? DEFAULT_BASE_URL);
  const v1BaseUrl = httpUrl('v1BaseUrl', options.v1BaseUrl ?? DEFAULT_V1_BASE_URL);
  const apiVersionOf = checkApiVersionOf(options.apiVersionOf);
  const statusWords = statusWordsWith(options.statusWords);
  const webhookScheme = checkWebhookScheme(options.webhookScheme, 'createOkidProxy');
  const frontendUrl = options.frontendUrl === undefined ? baseUrl : httpUrl('frontendUrl', options.frontendUrl);
  const basePath = checkBasePath(options.basePath);
  const secrets = checkSecrets(options.webhookSecret);

  if (options.create !== undefined && typeof options.create !== 'function') fail('create must be a function.');
  if (options.authorize !== undefined && options.authorize !== 'public' && typeof options.authorize !== 'function')
    fail("authorize must be a function, or 'public' to leave every verification's status open on purpose.");
  const limits = resolveLimits(options.limits);
  // Validated now, so a bad trustProxy fails at boot rather than on the first request.
  createClientResolver(options.trustProxy);
  const bodyTimeoutMs = positiveMs('bodyTimeoutMs', (options as { [BODY_TIMEOUT_OPTION]?: unknown })[BODY_TIMEOUT_OPTION], DEFAULT_BODY_TIMEOUT_MS);
  const allowedOrigins = checkAllowedOrigins(options.allowedOrigins);

  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch must be a function (Node 20 or later provides one).');
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 0, true, 'a positive number of milliseconds');
  const webhookToleranceSeconds = checkNumber('webhookToleranceSeconds', options.webhookToleranceSeconds ?? 300, 0, false, 'a number of seconds, 0 or more');
  const hub = checkHub(options.hub ?? createMemoryHub());
  const pollIntervalMs = positiveMs(
    'pollIntervalMs',
    options.pollIntervalMs,
    secrets.length > 0 ? DEFAULT_POLL_INTERVAL_WITH_WEBHOOKS_MS : DEFAULT_POLL_INTERVAL_MS,
  );
  const heartbeatMs = positiveMs('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS);
  const sseRetryMs = positiveMs('sseRetryMs', options.sseRetryMs, DEFAULT_SSE_RETRY_MS);
  const logger = safeLogger(options.logger ?? console, [apiKey, ...(provider?.secrets ?? [])]);

  // Once per proxy, at start: the operator must know the routes are open to anyone with an id.
  if (options.authorize === undefined) logger.warn(NO_AUTHORIZE_WARNING);

  return {
    apiKey,
    provider,
    baseUrl,
    v1BaseUrl,
    apiVersionOf,
    statusWords,
    webhookScheme,
    basePath,
    webhookSecrets: secrets,
    create: options.create,
    authorize: typeof options.authorize === 'function' ? options.authorize : undefined,
    limits,
    trustProxy: options.trustProxy,
    bodyTimeoutMs,
    allowedOrigins,
    fetch: fetchImpl,
    timeoutMs,
    frontendUrl,
    logger,
    webhookToleranceSeconds,
    hub,
    pollIntervalMs,
    heartbeatMs,
    sseRetryMs,
  };
}

/** okID's own options: with another provider they mean nothing, so they are refused. */
const OKID_ONLY_OPTIONS: readonly OkidOnlyOptionName[] = ['apiKey', 'baseUrl', 'v1BaseUrl', 'apiVersionOf', 'statusWords', 'webhookSecret', 'webhookScheme', 'webhookToleranceSeconds', 'frontendUrl'];

/** Checks `provider`; with one, okID's own options are refused by name. */
function checkProvider(options: Omit<OkidProxyOptions, 'provider'> & { provider?: VerificationProvider }): VerificationProvider | undefined {
  if (options.provider === undefined) return undefined;
  if (!isProvider(options.provider))
    fail('provider must come from ootoProvider({ … }) or uqudoProvider({ … }) (leave it out for okID).');
  const given = OKID_ONLY_OPTIONS.find((name) => options[name] !== undefined);
  if (given !== undefined)
    fail(`${given} is an okID option; with provider ${options.provider.name} the vendor's own settings go to its provider factory.`);
  return options.provider;
}
