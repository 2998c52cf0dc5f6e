/**
 * What the two emulated vendors (`ooto/`, `uqudo/`) share: the shape of a vendor app that
 * `startSandbox({ provider })` serves instead of okID's routes, the options it gets, and the
 * small pieces of their script-free phone pages (escaping, the page shell and its CSP, reading a
 * one-field form, a log line that never carries a whole token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError, readBody } from './http.js';

/** The vendors `startSandbox({ provider })` emulates besides okID. */
export type VendorProvider = 'ooto' | 'uqudo';

/** What `startSandbox` resolves for a vendor mode and hands to its app. */
export interface VendorOptions {
  /** Accepted keys: OOTO's `APP-KEY`, uqudo's bearer token. */
  apiKeys: ReadonlySet<string>;
  /** OOTO's `APP-ID`. */
  appId: string;
  /** Session lifetime in seconds. */
  ttlSeconds: number;
  /** How long an ended session is kept before its token answers 404, in milliseconds. */
  retainEndedMs: number;
  /** The most bytes all sessions together may hold. */
  maxHeldBytes: number;
  /** Which callback URLs a session may name: any on loopback, else only this one. */
  callbackUrls: 'any' | { only: string | undefined };
  /** Base of the URLs a phone opens (the hosted page, the reader app), without a trailing slash. */
  frontendUrl: () => string;
  /** How long a WebSocket may stay silent before its first message, in milliseconds. */
  authTimeoutMs: number;
  log: (line: string) => void;
}

/** A vendor emulator: its request handler, its WebSocket upgrades (uqudo) and its shutdown. */
export interface VendorApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Clears every timer, aborts callbacks in flight, closes every WebSocket. */
  close(): void;
}

/** Bytes one session counts for beside what it carries (metadata, data). */
export const SESSION_OVERHEAD_BYTES = 2048;

/** Escapes text for HTML element content and double-quoted attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The CSP of the vendor pages: no script, no style, no request anywhere; forms post to this
 * origin only.
 */
export const VENDOR_PAGE_CSP = "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Sends a script-free page (`body` is trusted HTML the caller escaped). */
export function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': VENDOR_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** A one-button form posting `at` (the step it was drawn for) to `action`. */
export const buttonForm = (action: string, at: number, label: string): string =>
  `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="at" value="${at}"><button type="submit">${escapeHtml(label)}</button></form>`;

/** Largest form body a vendor page reads, in bytes. */
const MAX_FORM_BYTES = 1024;

/**
 * The `at` field of a page's form: the step the page showed when the button was pressed, so a
 * double submit or a stale tab never skips a step. Missing or not a small whole number: 400.
 */
export async function readStepField(req: IncomingMessage): Promise<number> {
  const body = await readBody(req, MAX_FORM_BYTES);
  const at = new URLSearchParams(body.toString('utf8')).get('at');
  if (at === null || !/^\d{1,3}$/.test(at)) {
    throw new HttpError(400, 'Invalid form', 'The form must carry the step it was drawn for (at, a whole number).');
  }
  return Number(at);
}

/** Sends `303 See Other` to `location` (the page again, after a form post). */
export function seeOther(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

/** A path for the log: any segment of 20 or more characters (a token) cut to its first 6. */
export const redactPath = (pathname: string): string =>
  pathname.replace(/[^/]{20,}/g, (segment) => `${segment.slice(0, 6)}…`);

/** Opaque, URL-safe tokens: 32 base64url characters (192 random bits). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;
