/**
 * The browser-facing pages: `/verify` runs the built `<okid-verify>` element in capture mode
 * against this sandbox, plus a route index and a health check.
 *
 * `/verify` is static HTML under a strict CSP: no inline script or style, and no query value is
 * written into the page (the element reads the id from `location.href` itself; the language is
 * one of a fixed list, chosen from `lang` and `Accept-Language`).
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { LANGUAGE_PARAM, acceptedLanguages, isRightToLeft, pickLocale, type Locale } from '../core/locale.js';
import type { Handler } from './context.js';
import { header, sendBytes, sendJson } from './http.js';

/** The CSP of the `/verify` page: everything from this origin only; camera frames as blobs. */
export const VERIFY_PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE_HEADERS = {
  'Content-Security-Policy': VERIFY_PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * The capture page in `locale`: `lang` and `dir` on the root, so the element (which follows the
 * nearest `lang`) and the browser (fonts, hyphenation, screen readers) speak the person's language.
 */
const verifyPage = (locale: Locale): string => `<!doctype html>
<html lang="${locale}" dir="${isRightToLeft(locale) ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verify your identity · okID sandbox</title>
<link rel="stylesheet" href="/verify.css">
<script src="/okid-verify.iife.js" defer></script>
<script src="/verify.js" defer></script>
</head>
<body>
<main id="okid-root"><noscript>This verification needs JavaScript.</noscript></main>
</body>
</html>
`;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>okID sandbox · element not built</title>
<link rel="stylesheet" href="/verify.css">
</head>
<body>
<main id="okid-root">
<h1>The element is not built</h1>
<p>The sandbox serves the built element from <code>dist/okid-verify.iife.js</code>, which does not exist yet.</p>
<p>Run <code>npm run build</code> in the okid-verify package, then reload this page.</p>
</main>
</body>
</html>
`;

/**
 * Creates the element in capture mode; external so the page needs no inline script. This page is
 * okID's hosted portal: it runs the embedded flow or says why not, and never falls back to a
 * portal (itself). The id is handed over as process-token, which the element checks, so the page
 * works on any address the sandbox answers on (verification-url must be https off this machine).
 */
const VERIFY_SCRIPT = `// okID sandbox: runs <okid-verify> in capture mode for the verification in this page's URL.
(function () {
  var query = new URLSearchParams(location.search);
  var element = document.createElement('okid-verify');
  element.setAttribute('mode', 'capture');
  element.setAttribute('capture', 'embedded');
  element.setAttribute('process-token', query.get('verification_id') || query.get('token') || '');
  element.setAttribute('api-url', location.origin);
  document.getElementById('okid-root').appendChild(element);
})();
`;

const VERIFY_CSS = `html { font-family: system-ui, sans-serif; color-scheme: light dark; }
body { margin: 0; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
code { font-size: 0.95em; }
`;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The language of the capture page: the handoff URL's `lang` (the desktop page's language), else
 * the browser's `Accept-Language`, else English. Only one of the element's languages is ever
 * written into the page.
 */
export const verifyPageLocale = (req: IncomingMessage, url: URL): Locale =>
  pickLocale([url.searchParams.get(LANGUAGE_PARAM), ...acceptedLanguages(header(req, 'Accept-Language'))]);

/** `GET /verify`: the capture page, or a "run npm run build" page (503) when the element is missing. */
export const handleVerifyPage: Handler = async (ctx, req, res, _params, url) => {
  if (await exists(ctx.elementScriptPath)) {
    const locale = verifyPageLocale(req, url);
    sendBytes(res, 200, 'text/html; charset=utf-8', verifyPage(locale), { ...PAGE_HEADERS, 'Content-Language': locale, Vary: 'Accept-Language' });
  } else {
    sendBytes(res, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE, PAGE_HEADERS);
  }
};

/** `GET /verify.js`. */
export const handleVerifyScript: Handler = (_ctx, _req, res) => {
  sendBytes(res, 200, 'text/javascript; charset=utf-8', VERIFY_SCRIPT, { 'Cache-Control': 'no-cache' });
};

/** `GET /verify.css`. */
export const handleVerifyStyles: Handler = (_ctx, _req, res) => {
  sendBytes(res, 200, 'text/css; charset=utf-8', VERIFY_CSS, { 'Cache-Control': 'no-cache' });
};

/** `GET /okid-verify.iife.js`: read per request, so a rebuild shows up without a restart. */
export const handleElementScript: Handler = async (ctx, _req, res) => {
  let script: Buffer;
  try {
    script = await readFile(ctx.elementScriptPath);
  } catch {
    sendJson(res, 404, {
      error: 'Element not built',
      details: 'dist/okid-verify.iife.js is missing; run npm run build.',
    });
    return;
  }
  sendBytes(res, 200, 'text/javascript; charset=utf-8', script, { 'Cache-Control': 'no-cache' });
};

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/**
 * `GET /okid-verify-capture.js`, `/capture-chunks/{file}`, `/models/{file}`, `/locales/{file}`: the
 * capture chunk the element loads on a phone, the face detector's weights and the translations,
 * from beside the element bundle.
 * Only plain file names with a known type; nothing outside those folders is reachable.
 */
export const handleAsset: Handler = async (ctx, req, res) => {
  const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
  const match = /^\/(?:(capture-chunks|models|locales)\/)?([A-Za-z0-9_-][A-Za-z0-9._-]*)$/.exec(path);
  const type = match && ASSET_TYPES[match[2]!.slice(match[2]!.lastIndexOf('.'))];
  if (!match || !type || match[2]!.includes('..')) {
    sendJson(res, 404, { error: 'Not found', details: `No asset ${path}.` });
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dirname(ctx.elementScriptPath), match[1] ?? '', match[2]!));
  } catch {
    sendJson(res, 404, { error: 'Not found', details: `No asset ${path}; run npm run build.` });
    return;
  }
  sendBytes(res, 200, type, bytes, { 'Cache-Control': 'no-cache' });
};

/** `GET /healthz`. */
export const handleHealth: Handler = (_ctx, _req, res) => {
  sendJson(res, 200, { status: 'ok' });
};

/** `GET /`: what this server offers. */
export const handleIndex: Handler = (_ctx, _req, res) => {
  sendJson(res, 200, {
    name: 'okid-sandbox',
    description: 'Local in-memory emulator of the okID API (v2client, v1 and the capture API).',
    routes: {
      v2client: [
        'POST /api/generate-verification',
        'GET /api/get-verification-details/{id}',
        'GET /api/get-verification-qrcode/{id}',
        'GET /api/get-verification-image-front/{id}?image_type=original|cropped',
        'GET /api/get-verification-image-back/{id}?image_type=original|cropped',
        'GET /api/get-verification-image-selfie/{id}',
      ],
      v1: ['POST /v1/verification/generate', 'GET /v1/verification/{id}'],
      capture: [
        'GET /v1/flow/{id}',
        'POST /v1/flow/{id}/terms',
        'PUT /v1/flow/{id}/captures/{kind}',
        'POST /v1/flow/{id}/submit',
        'POST /v1/flow/{id}/cancel',
      ],
      pages: ['GET /verify?verification_id={id}', 'GET /healthz'],
    },
    auth: 'X-SDK-Key header on /api/* and /v1/verification/*',
    sandbox_outcome: 'extra_data.sandbox_outcome (v1: metadata.sandbox_outcome): verified | manual_review | rejected',
  });
};
