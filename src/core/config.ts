/**
 * Turns the element's attributes into a checked configuration, or a message saying which
 * attribute is wrong. Pure: the element passes its document's base URL.
 */
import { buildHandoffUrl, isVerificationId, verificationIdFromUrl } from './verification-id.js';

/** Defaults of the okID JS SDK. */
export const DEFAULT_API_URL = 'https://api1.okid.io';
export const DEFAULT_FRONTEND_URL = 'https://verify.okid.io';

export type Mode = 'auto' | 'handoff' | 'capture';

export interface ConfigInput {
  processToken?: string | null;
  verificationUrl?: string | null;
  proxyUrl?: string | null;
  mode?: string | null;
  handoffUrl?: string | null;
  apiUrl?: string | null;
  frontendUrl?: string | null;
  returnUrl?: string | null;
}

export interface ResolvedConfig {
  verificationId: string;
  mode: Mode;
  /** Absolute proxy base URL, without a trailing slash; required for handoff. */
  proxyUrl?: string;
  /** The URL the QR code and the "open on this device" link lead to. */
  handoffUrl: string;
  apiUrl: string;
  /** Where to send the user after capture; only http(s). */
  returnUrl?: string;
}

export type ConfigResult = { ok: true; config: ResolvedConfig } | { ok: false; message: string };

function httpUrl(value: string, base: string): string | undefined {
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

const fail = (message: string): ConfigResult => ({ ok: false, message });

/** Checks every attribute; the first problem found is the one reported. */
export function resolveConfig(input: ConfigInput, baseUrl: string): ConfigResult {
  const mode = input.mode || 'auto';
  if (mode !== 'auto' && mode !== 'handoff' && mode !== 'capture') {
    return fail('mode must be "auto", "handoff" or "capture".');
  }

  let verificationId: string | undefined;
  if (input.processToken) {
    if (!isVerificationId(input.processToken)) {
      return fail('process-token is not an okID id: expected "ver_…" or "tok_…" with 4 to 128 letters, digits, "_" or "-".');
    }
    verificationId = input.processToken;
  } else if (input.verificationUrl) {
    verificationId = verificationIdFromUrl(input.verificationUrl, baseUrl);
    if (!verificationId) {
      return fail('verification-url holds no okID id (in verification_id, token or the last path segment).');
    }
  } else {
    return fail('Set process-token (or verification-url) to the verification your backend created.');
  }

  let proxyUrl: string | undefined;
  if (input.proxyUrl) {
    proxyUrl = httpUrl(input.proxyUrl, baseUrl);
    if (!proxyUrl) return fail('proxy-url must be an http(s) URL or a path such as "/okid".');
  } else if (mode !== 'capture') {
    return fail('Set proxy-url to your backend proxy (for example "/okid"): status never comes from okID directly.');
  }

  const apiUrl = input.apiUrl ? httpUrl(input.apiUrl, baseUrl) : DEFAULT_API_URL;
  if (!apiUrl) return fail('api-url must be an http(s) URL.');
  const frontendUrl = input.frontendUrl ? httpUrl(input.frontendUrl, baseUrl) : DEFAULT_FRONTEND_URL;
  if (!frontendUrl) return fail('frontend-url must be an http(s) URL.');

  const template = input.handoffUrl || input.verificationUrl || `${frontendUrl}/verify?verification_id={id}`;
  const handoffUrl = buildHandoffUrl(template, verificationId, baseUrl);
  if (!handoffUrl) return fail('handoff-url must be an http(s) URL template, for example "https://example.com/verify/{id}".');

  let returnUrl: string | undefined;
  if (input.returnUrl) {
    returnUrl = httpUrl(input.returnUrl, baseUrl);
    if (!returnUrl) return fail('return-url must be an http(s) URL.');
  }

  return { ok: true, config: { verificationId, mode, proxyUrl, handoffUrl, apiUrl, returnUrl } };
}
