/**
 * Turns the element's attributes into a checked configuration, or a message saying which
 * attribute is wrong. Pure: the element passes its document's base URL.
 */
import { buildHandoffUrl, isVerificationId, verificationIdFromUrl } from './verification-id.js';
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

/** Why a URL attribute is refused: not an http(s) URL, plain http where https is needed, or a user name or password in it. */
type UrlProblem = 'invalid' | 'insecure' | 'credentials';

/**
 * `value` as an absolute http(s) URL without a trailing slash, else its problem. `secure`
 * allows plain http only on this machine: okID's portal receives the person and their camera,
 * and a plain-http portal could be read or swapped on the way. A user name or password is always
 * refused: `https://verify.okid.io@evil.example` reads as okID and opens evil.example.
 */
function checkUrl(value: string, base: string, secure?: boolean): { url: string } | { problem: UrlProblem } {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return { problem: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'invalid' };
  if (url.username !== '' || url.password !== '') return { problem: 'credentials' };
  if (secure && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return { problem: 'insecure' };
  return { url: url.href.replace(/\/+$/, '') };
}

const fail = (message: string): ConfigResult => ({ ok: false, message });

/** The message of a refused URL attribute; `invalid` is the attribute's own wording. */
function urlFailure(name: string, problem: UrlProblem, invalid: string): ConfigResult {
  if (problem === 'credentials') {
    return fail(`${name} must not hold a user name or password (the part before "@"): a person would read it as the site, and the browser would open the host after it.`);
  }
  if (problem === 'insecure') return fail(`${name} must be https (http only for localhost, 127.0.0.1, [::1]).`);
  return fail(invalid);
}

/** Checks every attribute; the first problem found is the one reported. */
export function resolveConfig(input: ConfigInput, baseUrl: string): ConfigResult {
  const mode = input.mode || 'auto';
  if (mode !== 'auto' && mode !== 'handoff' && mode !== 'capture') {
    return fail('mode must be "auto", "handoff" or "capture".');
  }
  const capture = input.capture || 'auto';
  if (capture !== 'auto' && capture !== 'embedded' && capture !== 'hosted') {
    return fail('capture must be "auto", "embedded" or "hosted".');
  }

  let verificationId: string | undefined;
  if (input.processToken) {
    if (!isVerificationId(input.processToken)) {
      return fail(`process-token is not an okID id: expected ${VERIFICATION_ID_RULE}.`);
    }
    verificationId = input.processToken;
  }
  let verificationUrl: string | undefined;
  if (input.verificationUrl) {
    const checked = checkUrl(input.verificationUrl, baseUrl, true);
    if ('problem' in checked) return urlFailure('verification-url', checked.problem, 'verification-url must be https (http only for localhost, 127.0.0.1, [::1]).');
    verificationUrl = checked.url;
  }
  // With both, process-token names the verification and verification-url is where its portal is.
  if (!verificationId && input.verificationUrl) {
    verificationId = verificationIdFromUrl(input.verificationUrl, baseUrl);
    if (!verificationId) {
      return fail('verification-url holds no okID id (in verification_id, token or the last path segment).');
    }
  }
  if (!verificationId) return fail('Set process-token (or verification-url) to the verification your backend created.');

  let proxyUrl: string | undefined;
  if (input.proxyUrl) {
    const checked = checkUrl(input.proxyUrl, baseUrl);
    if ('problem' in checked) return urlFailure('proxy-url', checked.problem, 'proxy-url must be an http(s) URL or a path such as "/okid".');
    proxyUrl = checked.url;
  } else if (mode !== 'capture') {
    return fail('Set proxy-url to your backend proxy (for example "/okid"): status never comes from okID directly.');
  }

  let apiUrl = DEFAULT_API_URL;
  if (input.apiUrl) {
    const checked = checkUrl(input.apiUrl, baseUrl);
    if ('problem' in checked) return urlFailure('api-url', checked.problem, 'api-url must be an http(s) URL.');
    apiUrl = checked.url;
  }
  let frontendUrl = defaultFrontendUrl(verificationId);
  if (input.frontendUrl) {
    const checked = checkUrl(input.frontendUrl, baseUrl, true);
    if ('problem' in checked) return urlFailure('frontend-url', checked.problem, 'frontend-url must be https (http only for localhost, 127.0.0.1, [::1]).');
    frontendUrl = checked.url;
  }
  const hostedUrl = verificationUrl ?? `${frontendUrl}/verify?verification_id=${encodeURIComponent(verificationId)}`;

  const template = input.handoffUrl || input.verificationUrl || `${frontendUrl}/verify?verification_id={id}`;
  const handoffUrl = buildHandoffUrl(template, verificationId, baseUrl);
  const handoffInvalid = 'handoff-url must be https (http only for localhost, 127.0.0.1, [::1]), a template such as "https://example.com/verify/{id}".';
  if (!handoffUrl) return fail(handoffInvalid);
  // The QR code leads a phone there: the same rules as okID's own portal.
  const handoffChecked = checkUrl(handoffUrl, baseUrl, true);
  if ('problem' in handoffChecked) return urlFailure(input.handoffUrl ? 'handoff-url' : 'verification-url', handoffChecked.problem, handoffInvalid);

  let returnUrl: string | undefined;
  if (input.returnUrl) {
    const checked = checkUrl(input.returnUrl, baseUrl);
    if ('problem' in checked) return urlFailure('return-url', checked.problem, 'return-url must be an http(s) URL.');
    returnUrl = checked.url;
  }

  return { ok: true, config: { verificationId, mode, capture, proxyUrl, handoffUrl, apiUrl, hostedUrl, returnUrl } };
}
