/**
 * Time from a hub freeze to the final status on a stream: a real redis-server shared by two
 * proxy instances, the sandbox's webhooks delivered to B, an event stream on A. Redis is frozen
 * (SIGSTOP) right after the stream opened; the phone then finishes the flow at once. Measured:
 * from the final status happening at okID to the stream on A receiving it, against the poll
 * interval (the target is two intervals at most).
 */
import { createOkidProxy, createRedisHub } from '../src/server/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { Phone, createV2, listen } from '../test/node/proxy-helpers.js';
import { startRedis } from '../test/node/redis-helpers.js';
import { openStream } from '../test/node/sse-helpers.js';

const SECRET = 'whsec_bench_freeze';
const silent = { warn: () => undefined, error: () => undefined };

/** What {@link hubFreezeToFinal} reports. */
export interface FreezeFigures {
  pollIntervalMs: number;
  /** From the final status at okID to the stream on A receiving it, ms. */
  finalAfterMs: number;
  /** The same in poll intervals. */
  intervals: number;
}

/** One run with `pollIntervalMs` (`undefined`: the proxy's default with webhooks, 10 s). */
export async function hubFreezeToFinal(pollIntervalMs?: number): Promise<FreezeFigures> {
  const redis = await startRedis();
  const closers: (() => Promise<void>)[] = [];
  try {
    const proxies = [];
    for (let n = 0; n < 2; n += 1) {
      let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
      const http = await listen((req, res) => handler!(req, res));
      proxies.push({ http, set: (h: typeof handler) => (handler = h) });
      closers.push(() => http.close());
    }
    const [a, b] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, webhookUrl: `${b.http.url}/okid/webhooks`, webhookSecret: SECRET });
    closers.push(() => sandbox.close());
    for (const instance of [a, b]) {
      const hub = createRedisHub({ url: redis.url, keyPrefix: 'okid-bench:', onError: () => undefined });
      const okid = createOkidProxy({ apiKey: 'sk_sandbox_demo', baseUrl: sandbox.url, webhookSecret: SECRET, hub, logger: silent, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity }, ...(pollIntervalMs ? { pollIntervalMs } : {}) });
      instance.set((req, res) => okid.node(req, res));
      closers.unshift(async () => {
        await okid.close();
        await hub.close();
      });
    }
    const id = await createV2(sandbox.url);
    const stream = await openStream(`${a.http.url}/okid/verifications/${id}/events`);
    await stream.status('created', 2000);
    redis.freeze();
    try {
      await new Phone(sandbox.url, id).completeFlow();
      const happened = performance.now();
      await stream.status('completed', 60_000);
      const finalAfterMs = Math.round(performance.now() - happened);
      await stream.cancel();
      const interval = pollIntervalMs ?? 10_000;
      return { pollIntervalMs: interval, finalAfterMs, intervals: Number((finalAfterMs / interval).toFixed(2)) };
    } finally {
      redis.thaw();
    }
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await redis.stop();
  }
}

if (process.argv[1]?.endsWith('hub-freeze.ts')) {
  console.log(await hubFreezeToFinal(2000));
  console.log(await hubFreezeToFinal());
}
