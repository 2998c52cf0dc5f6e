// A dev-server middleware that answers like a proxy, as a test scripts it, and records what it
// was asked. Routes (all under /scripted/{script}):
//   POST /scripted/{script}/__script    body: [{ status, headers?, body?, raw?, delayMs? }, ...]
//        or { poll: [...], events: [...] }; each later request takes the next step of its
//        list, the last one repeats. Without `events`, the event stream is not offered (404).
//        An events step: { status: 200, sse: ['event: status\ndata: …', …], gapMs?, holdMs? }
//        writes each message `gapMs` apart, then ends the stream after `holdMs` (default: never).
//   GET  /scripted/{script}/__requests  → [{ url, headers, at }] of status polls
//   GET  /scripted/{script}/__streams   → [{ url, headers, at }] of event-stream requests
//   *    /scripted/{script}/...         → the next scripted step
import { PassThrough } from 'node:stream';

const NOT_OFFERED = [{ status: 404, body: { error: 'Not found', code: 'NOT_FOUND' } }];
const scripts = new Map();

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function newScript(definition) {
  const { poll, events } = Array.isArray(definition) ? { poll: definition, events: NOT_OFFERED } : definition;
  const list = (steps) => ({ steps, cursor: 0, requests: [] });
  return { poll: list(poll), events: list(events ?? NOT_OFFERED) };
}

export function scriptedProxy() {
  return async function scriptedProxyMiddleware(ctx, next) {
    const match = /^\/scripted\/([\w-]+)(\/.*)?$/.exec(ctx.path);
    if (!match) return next();
    const [, name, rest = '/'] = match;
    const script = scripts.get(name) ?? newScript([{ status: 404, body: { error: 'not scripted', code: 'NOT_FOUND' } }]);
    scripts.set(name, script);
    if (rest === '/__script' && ctx.method === 'POST') {
      scripts.set(name, newScript(JSON.parse(await readBody(ctx.req))));
      ctx.status = 204;
      return;
    }
    if (rest === '/__requests' || rest === '/__streams') {
      ctx.body = rest === '/__requests' ? script.poll.requests : script.events.requests;
      return;
    }
    const list = rest.endsWith('/events') ? script.events : script.poll;
    list.requests.push({ url: rest, method: ctx.method, headers: ctx.headers, at: Date.now() });
    const step = list.steps[Math.min(list.cursor, list.steps.length - 1)];
    list.cursor++;
    if (step.sse) {
      const stream = new PassThrough();
      ctx.status = 200;
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'text/event-stream';
      ctx.body = stream;
      void (async () => {
        for (const message of step.sse) {
          if (step.gapMs) await new Promise((resolve) => setTimeout(resolve, step.gapMs));
          stream.write(`${message}\n\n`);
        }
        if (step.holdMs !== undefined) setTimeout(() => stream.end(), step.holdMs);
      })();
      ctx.req.on('close', () => stream.end());
      return;
    }
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
