/**
 * The proxy's guard around its hub: a deadline on every call, health that follows the hub's
 * answers, a late subscription undone, and hub trouble logged once per kind per minute with a
 * count of what was held back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createMemoryHub } from '../../src/server/index.js';
import type { OkidHub } from '../../src/server/index.js';
import { GuardedHub } from '../../src/server/hub/guarded-hub.js';
import { RateLimitedLog } from '../../src/server/common/log.js';

describe('hub guard', () => {
  it('logs each kind once a minute, then says how many were held back', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new RateLimitedLog({ warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) }, 60_000, () => now);
    for (let n = 0; n < 100; n += 1) log.log('publish', 'publish failed');
    log.log('lease', 'lease failed', 'error');
    now = 59_999;
    log.log('publish', 'publish failed');
    now = 60_000;
    log.log('publish', 'publish failed again');
    assert.deepEqual(lines, ['warn publish failed', 'error lease failed', 'warn publish failed again (100 more like it in the last minute)']);
  });

  it('fails a call that hangs at its deadline, is unhealthy until a call succeeds, and undoes a late subscription', async () => {
    const memory = createMemoryHub();
    let hang = true;
    let lateUnsubscribed = 0;
    const release: (() => void)[] = [];
    const gate = <T>(value: () => Promise<T>): Promise<T> =>
      hang ? new Promise<T>((resolve) => release.push(() => void value().then(resolve))) : value();
    const hanging: OkidHub = {
      ...memory,
      publish: (s) => gate(() => memory.publish(s)),
      subscribe: (id, l) =>
        gate(async () => {
          const off = await memory.subscribe(id, l);
          return () => ((lateUnsubscribed += 1), off());
        }),
      acquireLease: (n, o, t) => gate(() => memory.acquireLease(n, o, t)),
    };
    const lines: string[] = [];
    const guard = new GuardedHub(hanging, { log: new RateLimitedLog({ warn: (m) => lines.push(m), error: (m) => lines.push(m) }), deadlineMs: 100 });
    let recovered = 0;
    guard.onRecover(() => (recovered += 1));
    // The guard's timers do not hold a process open (a real hub's connection does): this does.
    const keepAlive = setInterval(() => undefined, 1000);
    after(() => clearInterval(keepAlive));
    const started = Date.now();
    await assert.rejects(guard.subscribe('ver_guard1', () => undefined), { name: 'HubTimeoutError' });
    await assert.rejects(guard.acquireLease('poll:x', 'me', 1000), { name: 'HubTimeoutError' });
    assert.ok(Date.now() - started < 500);
    assert.equal(guard.healthy, false);
    // The hub answers at last: the subscription nobody waits for is ended.
    hang = false;
    for (const go of release.splice(0)) go();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lateUnsubscribed, 1);
    assert.equal(guard.healthy, false, 'late answers do not count');
    assert.equal(await guard.acquireLease('poll:x', 'me', 1000), true);
    assert.equal(guard.healthy, true);
    assert.equal(recovered, 1);
    assert.equal(lines.filter((l) => /failed/.test(l)).length, 2, 'one line per kind');
    assert.ok(lines.some((l) => /answers again/.test(l)));
  });
});
