/**
 * Turns the element's attributes into a checked configuration, or a message saying which
 * attribute is wrong. Pure: the element passes its document's base URL.
 */
import { buildHandoffUrl, isVerificationId, verificationIdFromUrl } from './verification-id.js';

/** Defaults of the okID JS SDK. */
export const DEFAULT_API_URL = 'https://api1.okid.io';
export const DEFAULT_FRONTEND_URL = 'https://verify.okid.io';

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

/**
 * `value` as an absolute http(s) URL without a trailing slash, else undefined. `secure` allows
 * plain http only on this machine: okID's portal receives the person and their camera, and a
 * plain-http portal could be read or swapped on the way.
 */
function httpUrl(value: string, base: string, secure?: boolean): string | undefined {
  try {
    const url = new URL(value, base);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && !(secure && !LOOPBACK_HOSTS.has(url.hostname)))) return url.href.replace(/\/+$/, '');
  } catch {
    // not a URL at all
  }
  return undefined;
}

const fail = (message: string): ConfigResult => ({ ok: false, message });

const insecure = (name: string): ConfigResult => fail(`${name} must be https (http only for localhost, 127.0.0.1, [::1]).`);

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
      return fail('process-token is not an okID id: expected "ver_…" or "tok_…" with 4 to 128 letters, digits, "_" or "-".');
    }
    verificationId = input.processToken;
  }
  let verificationUrl: string | undefined;
  if (input.verificationUrl) {
    verificationUrl = httpUrl(input.verificationUrl, baseUrl, true);
    if (!verificationUrl) return insecure('verification-url');
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
    proxyUrl = httpUrl(input.proxyUrl, baseUrl);
    if (!proxyUrl) return fail('proxy-url must be an http(s) URL or a path such as "/okid".');
  } else if (mode !== 'capture') {
    return fail('Set proxy-url to your backend proxy (for example "/okid"): status never comes from okID directly.');
  }

  const apiUrl = input.apiUrl ? httpUrl(input.apiUrl, baseUrl) : DEFAULT_API_URL;
  if (!apiUrl) return fail('api-url must be an http(s) URL.');
  let frontendUrl = DEFAULT_FRONTEND_URL;
  if (input.frontendUrl) {
    const url = httpUrl(input.frontendUrl, baseUrl, true);
    if (!url) return insecure('frontend-url');
    frontendUrl = url;
  }
  const hostedUrl = verificationUrl ?? `${frontendUrl}/verify?verification_id=${encodeURIComponent(verificationId)}`;

  const template = input.handoffUrl || input.verificationUrl || `${frontendUrl}/verify?verification_id={id}`;
  const handoffUrl = buildHandoffUrl(template, verificationId, baseUrl);
  if (!handoffUrl) return fail('handoff-url must be an http(s) URL template, for example "https://example.com/verify/{id}".');

  let returnUrl: string | undefined;
  if (input.returnUrl) {
    returnUrl = httpUrl(input.returnUrl, baseUrl);
    if (!returnUrl) return fail('return-url must be an http(s) URL.');
  }

  return { ok: true, config: { verificationId, mode, capture, proxyUrl, handoffUrl, apiUrl, hostedUrl, returnUrl } };
}
