/**
 * The checks behind `resolveOptions()` (`options.ts`), one per option or group: each throws a
 * `TypeError` starting with `createOkidProxy:` and naming the option, and none ever quotes the
 * API key, which would end up in boot logs.
 */
import type { OkidHub } from './hub/hub.js';
import type { OkidProxyLogger } from './common/log.js';

const HUB_METHODS = ['publish', 'subscribe', 'markSeen', 'forget', 'acquireLease', 'releaseLease'] as const;

export function positiveMs(name: string, value: unknown, fallback: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) fail(`${name} must be a positive number of milliseconds.`);
  return ms;
}

export function fail(message: string): never {
  throw new TypeError(`createOkidProxy: ${message}`);
}

/** Checks an http(s) URL option and returns it without a trailing slash. */
export function httpUrl(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') return fail(`${name} must be an http(s) URL string.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${name} must be an absolute http(s) URL, like "https://verify.prod.okid.io".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${name} must use http or https.`);
  if (url.search || url.hash) fail(`${name} must not contain a query or a fragment.`);
  return url.href.replace(/\/+$/, '');
}

/** Checks one entry of `allowedOrigins` and returns it as `URL.origin` writes it. */
function originOption(value: unknown): string {
  const hint = 'allowedOrigins entries must be origins: scheme, host and optional port, like "https://shop.example".';
  if (typeof value !== 'string') return fail(hint);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(hint);
  }
  const plain = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !plain || !/^https?:\/\/[^/]+\/?$/.test(value)) fail(hint);
  return url.origin;
}

/** Checks the API key; messages about it never include its value. */
export function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey === '') fail('apiKey must be a non-empty string (your okID API key).');
  if (apiKey.trim() !== apiKey) fail('apiKey has leading or trailing whitespace; check how it is read from the environment.');
  if (!/^[\x21-\x7e]+$/.test(apiKey)) fail('apiKey contains characters that cannot be sent in an HTTP header.');
  return apiKey;
}

/** Checks `basePath` and returns it without a trailing slash ('/' mounts the proxy at the root). */
export function checkBasePath(value: unknown): string {
  const rawBasePath = value ?? '/okid';
  if (typeof rawBasePath !== 'string' || !rawBasePath.startsWith('/')) fail('basePath must be a path starting with "/".');
  if (/[?#\s%]/.test(rawBasePath) || rawBasePath.split('/').some((s) => s === '.' || s === '..'))
    fail('basePath must be a plain path, without a query, fragment, encoded characters or dot segments.');
  // '/okid/' and '/okid' mean the same; '/' mounts the proxy at the root.
  return rawBasePath.replace(/\/+$/, '');
}

/** Checks `webhookSecret` (one or a list) and returns the list. */
export function checkSecrets(value: unknown): string[] {
  const secrets = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string' || s === ''))
    fail('webhookSecret must be a non-empty string or a list of them.');
  return secrets as string[];
}

/** Checks `allowedOrigins` and returns them as `URL.origin` writes them. */
export function checkAllowedOrigins(value: unknown): Set<string> {
  const allowedOrigins = new Set<string>();
  if (value !== undefined) {
    if (!Array.isArray(value)) fail('allowedOrigins must be a list of origins, like ["https://shop.example"].');
    for (const entry of value as unknown[]) allowedOrigins.add(originOption(entry));
  }
  return allowedOrigins;
}

/** Checks a number option that must be finite and at least `min` (`what` ends the message). */
export function checkNumber(name: string, value: unknown, min: number, exclusive: boolean, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (exclusive ? value <= min : value < min)) fail(`${name} must be ${what}.`);
  return value;
}

/** Checks that `hub` has the methods of a push hub. */
export function checkHub(hub: unknown): OkidHub {
  const candidate = hub as Record<string, unknown> | null;
  if (typeof hub !== 'object' || candidate === null || HUB_METHODS.some((method) => typeof candidate[method] !== 'function'))
    fail('hub must be a push hub, from createMemoryHub() or createRedisHub({ url }).');
  return hub as OkidHub;
}

/**
 * Checks `logger` and wraps it: every log line goes through here, so whatever an error message
 * quotes, the key never reaches a log.
 */
export function safeLogger(logger: OkidProxyLogger, secrets: string | readonly string[]): OkidProxyLogger {
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function')
    fail('logger must have warn() and error() methods.');
  const hidden = (typeof secrets === 'string' ? [secrets] : secrets).filter((secret) => secret !== '');
  const redact = (message: string): string => hidden.reduce((line, secret) => line.split(secret).join('[redacted]'), message);
  return {
    warn: (message) => logger.warn(redact(message)),
    error: (message) => logger.error(redact(message)),
  };
}
