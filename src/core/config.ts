/**
 * Turns the element's attributes into a checked configuration, or a message saying which
 * attribute is wrong. Pure: the element passes its document's base URL.
 */
import { httpUrl, isVerificationId, verificationIdFromUrl } from './verification-id.js';
import { VERIFICATION_ID_RULE } from './status.js';

/** Defaults of the okID JS SDK. */
export const DEFAULT_API_URL = 'https://api1.okid.io';
/** okID's portal for a v1 process token (`tok_…`), as the v1 SDK has it. */
export const DEFAULT_FRONTEND_URL = 'https://verify.okid.io';
/** okID's portal for a v2 verification (`ver_…`, and any id that is not a v1 token). */
export const DEFAULT_FRONTEND_URL_V2 = 'https://verify.prod.okid.io';

/** The default `frontend-url` for `id`: it follows the id's API (v1 `tok_…`, else v2). */
export const defaultFrontendUrl = (id: string): string => (id.startsWith('tok_') ? DEFAULT_FRONTEND_URL : DEFAULT_FRONTEND_URL_V2);

export type Mode = 'auto' | 'handoff' | 'capture';

/**
 * How a phone captures: `auto` (the embedded flow where the capture API answers, else okID's
 * hosted portal), `embedded` (never falls back) or `hosted` (never asks the capture API).
 */
export type CaptureChoice = 'auto' | 'embedded' | 'hosted';

export interface ConfigInput {
  processToken?: string | null;
  verificationUrl?: string | null;
  proxyUrl?: string | null;
  mode?: string | null;
  capture?: string | null;
  handoffUrl?: string | null;
  apiUrl?: string | null;
  frontendUrl?: string | null;
  returnUrl?: string | null;
}

export interface ResolvedConfig {
  verificationId: string;
  mode: Mode;
  capture: CaptureChoice;
  /** Absolute proxy base URL, without a trailing slash; required for handoff. */
  proxyUrl?: string;
  /** The URL the QR code and the "open on this device" link lead to. */
  handoffUrl: string;
  apiUrl: string;
  /**
   * okID's hosted portal for this verification, where the hosted flow's **Continue** leads: the
   * `verification-url` when one is given, else `{frontend-url}/verify?verification_id={id}`.
   */
  hostedUrl: string;
  /** Where to send the user after capture; only http(s). */
  returnUrl?: string;
}

export type ConfigResult = { ok: true; config: ResolvedConfig } | { ok: false; message: string };

/** Hosts a browser treats as secure over plain http: the only ones where an okID URL may be http. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A refused attribute: its message, thrown inside {@link resolveConfig} and returned from it. */
class ConfigProblem {
  constructor(readonly message: string) {}
}

function fail(message: string): never {
  throw new ConfigProblem(message);
}

/**
 * The attribute `name`'s `value` as an absolute http(s) URL (see {@link bare}), else a
 * {@link ConfigProblem} naming it. `secure` allows plain http only on this machine: okID's portal
 * receives the person and their camera, and a plain-http portal could be read or swapped on the
 * way. A user name or password is always refused: `https://verify.okid.io@evil.example` reads as
 * okID and opens evil.example. `hint` ends the message of a URL that is not one.
 */
function checkUrl(name: string, value: string, base: string, secure?: boolean, hint = ''): URL {
  const url = httpUrl(value, base);
  if (url && (url.username || url.password)) fail(`${name} must not hold a user name or password (the part before "@").`);
  if (!url || (secure && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))) {
    fail(`${name} must be ${secure ? 'https (http only for localhost, 127.0.0.1, [::1])' : 'an http(s) URL'}${hint}.`);
  }
  return url!;
}

/** A checked URL attribute without a trailing slash. */
const bare = (...args: Parameters<typeof checkUrl>): string => checkUrl(...args).href.replace(/\/+$/, '');

/** Checks every attribute; the first problem found is the one reported. */
export function resolveConfig(input: ConfigInput, baseUrl: string): ConfigResult {
  try {
    return { ok: true, config: resolve(input, baseUrl) };
  } catch (error) {
    if (error instanceof ConfigProblem) return { ok: false, message: error.message };
    throw error;
  }
}

function resolve(input: ConfigInput, baseUrl: string): ResolvedConfig {
  const mode = input.mode || 'auto';
  if (mode !== 'auto' && mode !== 'handoff' && mode !== 'capture') fail('mode must be "auto", "handoff" or "capture".');
  const capture = input.capture || 'auto';
  if (capture !== 'auto' && capture !== 'embedded' && capture !== 'hosted') fail('capture must be "auto", "embedded" or "hosted".');

  let verificationId = input.processToken || undefined;
  if (verificationId && !isVerificationId(verificationId)) fail(`process-token is not an okID id: expected ${VERIFICATION_ID_RULE}.`);
  const verificationUrl = input.verificationUrl ? bare('verification-url', input.verificationUrl, baseUrl, true) : undefined;
  // With both, process-token names the verification and verification-url is where its portal is.
  if (!verificationId && input.verificationUrl) {
    verificationId = verificationIdFromUrl(input.verificationUrl, baseUrl) ?? fail('verification-url holds no okID id (in verification_id, token or a ver_/tok_ last path segment).');
  }
  if (!verificationId) return fail('Set process-token (or verification-url) to the verification your backend created.');

  const proxyUrl = input.proxyUrl ? bare('proxy-url', input.proxyUrl, baseUrl, false, ' or a path such as "/okid"') : undefined;
  // Status never comes from okID directly.
  if (!proxyUrl && mode !== 'capture') fail('Set proxy-url to your backend proxy, for example "/okid".');

  const apiUrl = input.apiUrl ? bare('api-url', input.apiUrl, baseUrl) : DEFAULT_API_URL;
  const frontendUrl = input.frontendUrl ? bare('frontend-url', input.frontendUrl, baseUrl, true) : defaultFrontendUrl(verificationId);
  const hostedUrl = verificationUrl ?? `${frontendUrl}/verify?verification_id=${encodeURIComponent(verificationId)}`;

  const template = input.handoffUrl || input.verificationUrl || `${frontendUrl}/verify?verification_id={id}`;
  // Every `{id}` becomes the URL-encoded id. The QR code leads a phone there: the same rules as okID's own portal.
  const handoffUrl = checkUrl(
    input.handoffUrl ? 'handoff-url' : 'verification-url',
    template.split('{id}').join(encodeURIComponent(verificationId)),
    baseUrl,
    true,
    ', a template such as "https://example.com/verify/{id}"',
  ).href;
  const returnUrl = input.returnUrl ? bare('return-url', input.returnUrl, baseUrl) : undefined;

  return { verificationId, mode, capture, proxyUrl, handoffUrl, apiUrl, hostedUrl, returnUrl };
}
