// A dev-server middleware that answers like a proxy, as a test scripts it, and records what it
// was asked. Routes (all under /scripted/{script}):
//   POST /scripted/{script}/__script    body: [{ status, headers?, body?, delayMs? }, ...]
//        each later request takes the next step; the last one repeats
//   GET  /scripted/{script}/__requests  → [{ url, headers, at }]
//   *    /scripted/{script}/...         → the next scripted step
const scripts = new Map();

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export function scriptedProxy() {
  return async function scriptedProxyMiddleware(ctx, next) {
    const match = /^\/scripted\/([\w-]+)(\/.*)?$/.exec(ctx.path);
    if (!match) return next();
    const [, name, rest = '/'] = match;
    const script = scripts.get(name) ?? { steps: [{ status: 404, body: { error: 'not scripted', code: 'NOT_FOUND' } }], cursor: 0, requests: [] };
    scripts.set(name, script);
    if (rest === '/__script' && ctx.method === 'POST') {
      scripts.set(name, { steps: JSON.parse(await readBody(ctx.req)), cursor: 0, requests: [] });
      ctx.status = 204;
      return;
    }
    if (rest === '/__requests') {
      ctx.body = script.requests;
      return;
    }
    script.requests.push({ url: rest, method: ctx.method, headers: ctx.headers, at: Date.now() });
    const step = script.steps[Math.min(script.cursor, script.steps.length - 1)];
    script.cursor++;
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    ctx.status = step.status;
    for (const [key, value] of Object.entries(step.headers ?? {})) ctx.set(key, value);
    if (step.raw !== undefined) {
      ctx.type = 'text/html';
      ctx.body = step.raw;
    } else if (step.body !== undefined) {
      ctx.body = step.body;
    }
  };
}
