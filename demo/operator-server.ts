/**
 * The demo operator site: a plain Node http server that serves the page, the element bundle
 * and, under /okid, the okid proxy. It is also what the end-to-end tests and the benchmarks
 * start, so the demo a user sees is the thing that is tested.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createOkidProxy } from '../src/server/index.js';
import type { OkidProxyOptions, VerificationProvider } from '../src/server/index.js';
import { createWebServer } from '../src/sandbox/web-server.js';
import type { ConnectionLimits, TlsCredentials } from '../src/sandbox/web-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Files the page may load, by URL path. Nothing else on disk is reachable. */
const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: 'demo/public/index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { path: 'demo/public/demo.js', type: 'text/javascript; charset=utf-8' },
  '/demo.css': { path: 'demo/public/demo.css', type: 'text/css; charset=utf-8' },
  '/okid-verify.iife.js': { path: 'dist/okid-verify.iife.js', type: 'text/javascript; charset=utf-8' },
};

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/** The capture chunk and the face detector's weights, which the element loads from beside its bundle on phones. */
function builtAsset(path: string): { path: string; type: string } | undefined {
  const match = /^\/(okid-verify-capture\.js|(?:capture-chunks|models|locales)\/[A-Za-z0-9_-][A-Za-z0-9._-]*)$/.exec(path);
  const type = match && ASSET_TYPES[path.slice(path.lastIndexOf('.'))];
  return match && type && !path.includes('..') ? { path: `dist/${match[1]}`, type } : undefined;
}

/**
 * The strict policy of docs/element.md, plus the okID sandbox's origins in connect-src for the page's
 * "Simulate the phone" button (the element itself talks only to the proxy, on 'self').
 */
export const DEMO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' {sandbox}; require-trusted-types-for 'script'; trusted-types lit-html okid-verify; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface OperatorServerOptions {
  /** URL of the okID API (the sandbox). */
  okidUrl: string;
  apiKey: string;
  /** Secret of okID's webhook signatures; enables POST /okid/webhooks (live push). */
  webhookSecret?: string;
  /** Where verification URLs (and so QR codes) point; default okidUrl. */
  frontendUrl?: string;
  port?: number;
  host?: string;
  /** Extra pages for tests, by path: HTML served with the same headers. */
  pages?: Record<string, string>;
  proxy?: Partial<OkidProxyOptions>;
  /**
   * Another vendor behind the proxy (`ootoProvider`, `uqudoProvider`, pointed at the sandbox in
   * that vendor's mode) instead of okID; `apiKey`, `webhookSecret` and `frontendUrl` are then unused.
   */
  provider?: VerificationProvider;
  /** Serves HTTPS beside HTTP on the same port (for phones on the LAN, which need a secure page for the camera). */
  tls?: TlsCredentials;
  /** Stalled-connection timeouts and the connection cap; default Node's timeouts and 100 connections. */
  connectionLimits?: ConnectionLimits;
}

export interface OperatorServer {
  url: string;
  /** Cuts every open connection (event streams included) as a network drop would; for tests. */
  dropConnections(): void;
  close(): Promise<void>;
}

export { freePort } from '../src/sandbox/web-server.js';

const OUTCOMES = new Set(['verified', 'manual_review', 'rejected']);

export async function startOperatorServer(options: OperatorServerOptions): Promise<OperatorServer> {
  const shared = {
    // A demo has no users to tie verifications to: open access is intended (and said so).
    authorize: 'public' as const,
    // Every browser of the demo (and of its test suites) is 127.0.0.1: one address stands for
    // many people here, so the per-client limits are far above a real site's defaults.
    limits: { createsPerClient: 1000, streamsPerClient: 1000, unknownReadsPerClient: 1000 },
    // The demo's "session" is the page's choice of sandbox outcome; a real site reads its own
    // signed-in user here and never trusts the browser's body.
    create: (request: Request) => {
      const query = new URL(request.url).searchParams;
      const outcome = query.get('outcome') ?? 'verified';
      // `?flow=terms,document,liveness,form_data` picks the sandbox's steps (the sandbox checks it).
      const flow = query.get('flow');
      // OOTO-AI's sandbox reads its outcome as DONE or FAILED (uqudo's has none: the result is the operator's to read).
      if (options.provider) return { extra_data: { demo: true, sandbox_outcome: outcome === 'rejected' ? 'FAILED' : 'DONE' } };
      return { extra_data: { demo: true, sandbox_outcome: OUTCOMES.has(outcome) ? outcome : 'verified', ...(flow ? { sandbox_flow: flow } : {}) } };
    },
  };
  const okid = options.provider
    ? createOkidProxy({ provider: options.provider, ...shared })
    : createOkidProxy({
        apiKey: options.apiKey,
        baseUrl: options.okidUrl,
        frontendUrl: options.frontendUrl ?? options.okidUrl,
        webhookSecret: options.webhookSecret,
        ...shared,
        ...options.proxy,
      });
  // The page's "Simulate the phone" button calls the capture API where the QR code points.
  const frontend = new URL(options.frontendUrl ?? options.okidUrl);
  const okidOrigins = new Set([new URL(options.okidUrl).origin, frontend.origin, frontend.origin.replace(/^https:/, 'http:')]);
  const csp = DEMO_CSP.replace('{sandbox}', [...okidOrigins].join(' '));

  const server = createWebServer((req, res) => {
    okid.node(req, res, async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const page = options.pages?.[path];
      const file = FILES[path] ?? builtAsset(path);
      if (req.method !== 'GET' || (!file && page === undefined)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
        return;
      }
      try {
        const body = page ?? (await readFile(root + file!.path));
        res.writeHead(200, {
          'Content-Type': file?.type ?? 'text/html; charset=utf-8',
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-cache',
        });
        res.end(body);
      } catch {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`Missing ${file!.path}: run "npm run build" first.`);
      }
    });
  }, options.tls, options.connectionLimits);
  const { port } = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    dropConnections: () => server.closeAllConnections(),
    close: async () => {
      await okid.close(); // ends open event streams and pollers
      const closed = server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
