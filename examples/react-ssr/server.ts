// A Node server for the built example: the okid proxy at /okid, the client build's files, and
// the page rendered per request by the server build's `renderPage`, after the server created the
// verification itself with the secret key (so no browser round trip comes before the QR code).
// Build first (see vite.config.ts), then start it from your own code:
//   startSsrServer({ dist: 'examples/react-ssr/dist', okid: { apiKey: process.env.OKID_API_KEY!, baseUrl } })
// e2e/frameworks.test.ts does exactly that against the okID sandbox.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createOkidClient, createOkidProxy } from 'okid-verify/server';
import type { OkidProxyOptions } from 'okid-verify/server';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' };
/** The strict policy of docs/element.md: the page's own scripts and styles only, nothing inline. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/** What the server build of src/entry-server.tsx exports. */
interface ServerEntry {
  renderPage(template: string, verificationId: string): string;
}

export interface SsrServerOptions {
  /** The folder holding the two builds: client/ (index.html, assets/) and server/entry-server.js. */
  dist: string;
  /** The okid proxy's options: at least `apiKey` and `baseUrl`. */
  okid: OkidProxyOptions;
  /** `extra_data` of each verification the page creates. */
  extraData?: Record<string, unknown>;
  port?: number;
  host?: string;
}

export async function startSsrServer(options: SsrServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const dist = options.dist.endsWith('/') ? options.dist : `${options.dist}/`;
  const { renderPage } = (await import(pathToFileURL(`${dist}server/entry-server.js`).href)) as ServerEntry;
  const template = await readFile(`${dist}client/index.html`, 'utf8');
  const proxy = createOkidProxy(options.okid);
  const client = createOkidClient({ apiKey: options.okid.apiKey, baseUrl: options.okid.baseUrl });

  const server = createServer((req, res) => {
    proxy.node(req, res, async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const asset = /^\/assets\/[\w-]+\.(js|css)$/.exec(path);
      try {
        if (req.method === 'GET' && path === '/') {
          const { verificationId } = await client.generateVerification(options.extraData ? { extra_data: options.extraData } : {});
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': CSP }).end(renderPage(template, verificationId));
        } else if (req.method === 'GET' && asset) {
          const body = await readFile(`${dist}client${path}`);
          res.writeHead(200, { 'Content-Type': TYPES[`.${asset[1]}`]! }).end(body);
        } else {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
        }
      } catch {
        // okID unreachable or a file missing: say so without details (they may name paths or ids).
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end('Could not render the page');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await proxy.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
