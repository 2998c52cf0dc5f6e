// A real okID sandbox for browser tests, started on first use inside the test runner's Node
// process and stopped when it exits. The browser reaches it directly for the capture API (which
// allows cross-origin calls, as okID's does) and through two test-only routes for what needs the
// API key:
//   GET  /__sandbox/url                 → { url }
//   POST /__sandbox/verifications       → okID's generate-verification answer; body is passed on
//   GET  /__sandbox/verifications/{id}  → okID's verification details (status, progress)
//   GET  /__sandbox/images/{front|back|selfie}/{id} → the stored image
import { register } from 'tsx/esm/api';

const API_KEY = 'sk_unit_tests';
let sandbox;

async function getSandbox() {
  if (!sandbox) {
    register();
    const { startSandbox } = await import('../../src/sandbox/index.ts');
    sandbox = startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 50 });
    const started = await sandbox;
    process.once('exit', () => void started.close());
  }
  return sandbox;
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export function sandboxRoutes() {
  return async function sandboxMiddleware(ctx, next) {
    if (!ctx.path.startsWith('/__sandbox/')) return next();
    const { url } = await getSandbox();
    const rest = ctx.path.slice('/__sandbox'.length);
    let upstream;
    if (rest === '/url') {
      ctx.body = { url };
      return;
    } else if (rest === '/verifications' && ctx.method === 'POST') {
      upstream = await fetch(`${url}/api/generate-verification`, {
        method: 'POST',
        headers: { 'X-SDK-Key': API_KEY, 'Content-Type': 'application/json' },
        body: (await readBody(ctx.req)) || '{}',
      });
    } else if (rest.startsWith('/verifications/')) {
      upstream = await fetch(`${url}/api/get-verification-details/${rest.split('/')[2]}`, { headers: { 'X-SDK-Key': API_KEY } });
    } else if (rest.startsWith('/images/')) {
      const [, , side, id] = rest.split('/');
      upstream = await fetch(`${url}/api/get-verification-image-${side}/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
    } else {
      return next();
    }
    ctx.status = upstream.status;
    ctx.type = upstream.headers.get('content-type') ?? 'application/octet-stream';
    ctx.body = Buffer.from(await upstream.arrayBuffer());
  };
}
