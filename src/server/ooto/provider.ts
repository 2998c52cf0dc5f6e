/**
 * `ootoProvider({ appId, appKey, … })`: OOTO-AI's Verification Link behind the proxy. Create is
 * `POST {baseUrl}/api/v1.0/flow/sessions` with `APP-ID`/`APP-KEY` (the answer's `url` is the
 * handoff, a page the phone opens), the status `GET …/flow/sessions/{token}` (`status.ts`), and
 * OOTO's unsigned callback arrives on a path only the proxy can make (`callback-path.ts`) and is
 * taken as news: the session is re-read with the keys. The browser's id is OOTO's token (it is in
 * the handoff URL anyway), checked to be an opaque id before any URL is built from it.
 */
import { VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import { refuseUnknownOptions } from '../../core/option-names.js';
import { ProxyErrorCode } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';
import { PROVIDER_BRAND } from '../providers/provider.js';
import type { ProviderInstance, ProviderRead, ProviderRoute, ProviderRuntime, ProviderSession, VerificationProvider } from '../providers/provider.js';
import { callVendor, credential, isLoopbackHost, vendorUrl } from '../providers/vendor-http.js';
import type { VendorHttp } from '../providers/vendor-http.js';
import { isRecord, parseJson, text, time } from '../providers/vendor-text.js';
import { callbackKey, newCallbackSegments, verifyCallbackSegments } from './callback-path.js';
import { readOotoStatus } from './status.js';

/** OOTO-AI's scopes. */
export type OotoScope = 'liveness' | 'deepfake' | 'search' | 'enroll';

/** Options of {@link ootoProvider}. */
export interface OotoProviderOptions {
  /** Your application's id, sent as `APP-ID`. */
  appId: string;
  /** Your application's key, sent as `APP-KEY`; never logged, never sent to a browser. */
  appKey: string;
  /** OOTO-AI's base URL (http or https). Default `https://cloud.ooto-ai.com`. */
  baseUrl?: string;
  /** The session's scopes, at least one. Default `['liveness']`. */
  scopes?: readonly OotoScope[];
  /** Requested session lifetime in seconds (OOTO bounds it; its default is 86400). */
  ttlSec?: number;
  /**
   * The proxy's public URL as OOTO reaches it (`https://shop.example`, with the path prefix the
   * proxy is mounted under, if any; `basePath` is added). With it, OOTO's callback is wired to
   * `{publicUrl}{basePath}/webhooks/ooto/{nonce}/{mac}` and status changes arrive at once; without
   * it, the proxy polls. https only, http for localhost, 127.0.0.1 and [::1].
   */
  publicUrl?: string;
  /**
   * The key behind callback paths (at least 32 characters). Default: derived from `appKey`. Give
   * the same value to every instance (the default already is, for one `appKey`).
   */
  callbackSecret?: string;
  /** The `fetch` used to call OOTO. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds one OOTO call may take before the browser gets 504. Default 10000. */
  timeoutMs?: number;
}

const WHERE = 'ootoProvider';
const OPTION_NAMES = ['appId', 'appKey', 'baseUrl', 'scopes', 'ttlSec', 'publicUrl', 'callbackSecret', 'fetch', 'timeoutMs'] as const satisfies readonly (keyof OotoProviderOptions)[];
const SCOPES: readonly string[] = ['liveness', 'deepfake', 'search', 'enroll'];
/** OOTO's default session lifetime (its document). */
const DEFAULT_TTL_SEC = 86_400;
/** Most callback nonces this instance remembers itself (beside the hub). */
const MAX_LOCAL_NONCES = 10_000;
/** Most bytes of a callback body (the Get Status JSON with its result). */
const MAX_CALLBACK_BYTES = 256 * 1024;

/** OOTO-AI as the proxy's provider. Throws a `TypeError` naming the option when one is wrong. */
export function ootoProvider(options: OotoProviderOptions): VerificationProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object.`);
  refuseUnknownOptions(WHERE, options, OPTION_NAMES);
  const appId = credential(WHERE, 'appId', options.appId);
  const appKey = credential(WHERE, 'appKey', options.appKey);
  const baseUrl = vendorUrl(WHERE, 'baseUrl', options.baseUrl ?? 'https://cloud.ooto-ai.com');
  const scopes = options.scopes ?? ['liveness'];
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((scope) => !SCOPES.includes(scope as string)))
    throw new TypeError(`${WHERE}: scopes must be a non-empty list of ${SCOPES.join(', ')}.`);
  const ttlSec = options.ttlSec;
  if (ttlSec !== undefined && (typeof ttlSec !== 'number' || !Number.isInteger(ttlSec) || ttlSec <= 0))
    throw new TypeError(`${WHERE}: ttlSec must be a positive whole number of seconds.`);
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    publicUrl = vendorUrl(WHERE, 'publicUrl', options.publicUrl);
    const url = new URL(publicUrl);
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname))
      throw new TypeError(`${WHERE}: publicUrl must be https (OOTO posts its callback there); http only for localhost, 127.0.0.1 and [::1].`);
  }
  if (options.callbackSecret !== undefined && (typeof options.callbackSecret !== 'string' || options.callbackSecret.length < 32))
    throw new TypeError(`${WHERE}: callbackSecret must be a string of at least 32 characters.`);
  // By default the MAC key is derived (HKDF, its own label) from the APP-KEY, whatever its length.
  const callbackSecret = options.callbackSecret ?? `ooto-app-key:${appKey}`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError(`${WHERE}: fetch must be a function.`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`${WHERE}: timeoutMs must be a positive number of milliseconds.`);
  const settings: OotoSettings = { appId, appKey, baseUrl, scopes: [...scopes], ttlSec, publicUrl, key: callbackKey(callbackSecret), fetch: fetchImpl, timeoutMs };
  return {
    [PROVIDER_BRAND]: true,
    name: 'ooto',
    secrets: [appKey, callbackSecret],
    start: (runtime) => startOoto(settings, runtime),
  } as VerificationProvider;
}

interface OotoSettings {
  appId: string;
  appKey: string;
  baseUrl: string;
  scopes: string[];
  ttlSec: number | undefined;
  publicUrl: string | undefined;
  key: Buffer;
  fetch: typeof fetch;
  timeoutMs: number;
}

function startOoto(settings: OotoSettings, runtime: ProviderRuntime): ProviderInstance {
  const http: VendorHttp = {
    vendor: 'OOTO-AI',
    credentialOption: 'the appId and appKey options of ootoProvider',
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    logger: runtime.logger,
    defaultRetryAfter: String(Math.max(1, Math.ceil(runtime.pollIntervalMs / 1000))),
  };
  const headers = { 'APP-ID': settings.appId, 'APP-KEY': settings.appKey, Accept: 'application/json' };
  // Callback nonce → session token, kept here and in the hub (so any instance can take the callback).
  const nonces = new Map<string, string>();
  const loggedWords = new Set<string>();
  const ttlMs = (settings.ttlSec ?? DEFAULT_TTL_SEC) * 1000 + 60 * 60_000;

  const unreadable = (what: string): OkidProxyError => {
    runtime.logger.warn(`okid-verify: OOTO-AI's answer to ${what} could not be read (not JSON, or without the documented fields).`);
    return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  };

  async function read(token: string, signal: AbortSignal): Promise<ProviderRead> {
    // Our ids and OOTO's tokens are the same opaque word; checked before any URL is built.
    if (!VERIFICATION_ID_PATTERN.test(token)) throw new OkidProxyError(404, ProxyErrorCode.VerificationNotFound, 'Verification not found.');
    const answer = await callVendor(http, 'GET /api/v1.0/flow/sessions/{token}', `${settings.baseUrl}/api/v1.0/flow/sessions/${encodeURIComponent(token)}`, { headers }, signal);
    const reading = readOotoStatus(parseJson(answer.text), token, new Date().toISOString());
    if (reading === undefined) throw unreadable('GET /api/v1.0/flow/sessions/{token}');
    if (reading.unknownWord !== undefined && !loggedWords.has(reading.unknownWord) && loggedWords.size < 100) {
      loggedWords.add(reading.unknownWord);
      runtime.logger.warn(`okid-verify: OOTO-AI sent the status word "${reading.unknownWord}", which the proxy does not know; shown as in progress.`);
    }
    return { snapshot: reading.snapshot, timeSynthesized: true };
  }

  async function create(input: { extra_data?: Record<string, unknown>; return_url?: string }, signal: AbortSignal): Promise<ProviderSession> {
    const body: Record<string, unknown> = { scopes: settings.scopes };
    if (input.extra_data !== undefined) body.metadata = input.extra_data;
    if (input.return_url !== undefined) body.returnUrl = input.return_url;
    if (settings.ttlSec !== undefined) body.ttlSec = settings.ttlSec;
    let segments: { nonce: string; mac: string } | undefined;
    if (settings.publicUrl !== undefined) {
      segments = newCallbackSegments(settings.key);
      body.callbackUrl = `${settings.publicUrl}${runtime.basePath}/webhooks/ooto/${segments.nonce}/${segments.mac}`;
    }
    const answer = await callVendor(
      http,
      'POST /api/v1.0/flow/sessions',
      `${settings.baseUrl}/api/v1.0/flow/sessions`,
      { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
      signal,
    );
    const created = parseJson(answer.text);
    const token = isRecord(created) ? text(created.token) : undefined;
    const url = isRecord(created) ? text(created.url) : undefined;
    if (token === undefined || !VERIFICATION_ID_PATTERN.test(token) || url === undefined || !isHttpUrl(url)) throw unreadable('POST /api/v1.0/flow/sessions');
    if (segments !== undefined) {
      nonces.set(segments.nonce, token);
      if (nonces.size > MAX_LOCAL_NONCES) nonces.delete(nonces.keys().next().value!);
      await runtime.hub.remember(`ooto:callback:${segments.nonce}`, token, ttlMs).catch(() => undefined);
    }
    const expiresAt = (isRecord(created) ? time(created.expiresAt) : undefined) ?? new Date(Date.now() + (settings.ttlSec ?? DEFAULT_TTL_SEC) * 1000).toISOString();
    return { verificationId: token, verificationUrl: url, expiresAt, handoff: 'url' };
  }

  /** `POST {basePath}/webhooks/ooto/{nonce}/{mac}`: OOTO's callback, as news. */
  async function callback(_request: Request, params: readonly string[]): Promise<Response> {
    const [nonce = '', mac = ''] = params;
    // A forged or guessed path is refused before anything is read or asked.
    if (!verifyCallbackSegments(settings.key, nonce, mac)) return jsonAnswer(401, { error: 'Unknown callback.', code: ProxyErrorCode.AccessDenied });
    const token = nonces.get(nonce) ?? (await runtime.hub.recall(`ooto:callback:${nonce}`).catch(() => undefined));
    if (token === undefined || !VERIFICATION_ID_PATTERN.test(token)) {
      runtime.logger.warn('okid-verify: an OOTO-AI callback with a genuine path names a session this proxy no longer knows (past its lifetime, or a hub that keeps no values).');
      return jsonAnswer(404, { error: 'Verification not found.', code: ProxyErrorCode.VerificationNotFound });
    }
    // The body is not read: it is unsigned. The session is re-read with the keys (one read in
    // flight per session); a replay finds nothing new and makes no event.
    const snapshot = await runtime.reread(token);
    if (snapshot !== undefined) await runtime.news({ snapshot, timeSynthesized: true });
    return new Response(null, { status: 204 });
  }

  const routes: ProviderRoute[] =
    settings.publicUrl === undefined ? [] : [{ segments: ['webhooks', 'ooto', '*', '*'], method: 'POST', maxBytes: MAX_CALLBACK_BYTES, handle: callback }];
  return {
    create,
    read,
    routes,
    async close() {
      nonces.clear();
    },
  };
}

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
};

const jsonAnswer = (status: number, body: object): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } });
