/**
 * The in-memory hub's seen-keys set: keys of different lifetimes (a webhook delivery's replay
 * key, ~11 min; an event id, 24 h) interleave, expired ones are freed wherever they sit, and at
 * the cap the key closest to its expiry goes first, never a long-lived event id before it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryHub } from '../../src/server/index.js';

const DAY = 24 * 60 * 60 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('memory hub seen keys', () => {
  it('frees expired short-lived keys sitting behind live long-lived ones, so the cap keeps every event id', async () => {
    const hub = createMemoryHub({ maxSeenKeys: 4 });
    // As the webhook route does: a replay key (short TTL), then the event id (24 h).
    assert.equal(await hub.markSeen('delivery-1', 30), true);
    assert.equal(await hub.markSeen('event-1', DAY), true);
    assert.equal(await hub.markSeen('delivery-2', 30), true);
    assert.equal(await hub.markSeen('event-2', DAY), true);
    await sleep(60);
    // Both delivery keys have expired: room for two more event ids without evicting any.
    assert.equal(await hub.markSeen('event-3', DAY), true);
    assert.equal(await hub.markSeen('event-4', DAY), true);
    for (const key of ['event-1', 'event-2', 'event-3', 'event-4']) {
      assert.equal(await hub.markSeen(key, DAY), false, `${key} is still remembered`);
    }
    await hub.close();
  });

  it('at the cap, evicts the key that expires soonest, not the oldest insertion', async () => {
    const hub = createMemoryHub({ maxSeenKeys: 2 });
    assert.equal(await hub.markSeen('event-1', DAY), true);
    assert.equal(await hub.markSeen('delivery-1', 60_000), true);
    assert.equal(await hub.markSeen('event-2', DAY), true);
    assert.equal(await hub.markSeen('event-1', DAY), false, 'the 24 h event id survives');
    assert.equal(await hub.markSeen('event-2', DAY), false);
    assert.equal(await hub.markSeen('delivery-1', 60_000), true, 'the soonest-expiring key made room');
    await hub.close();
  });

  it('forgets on request and after the TTL; a key marked again after expiry is new', async () => {
    const hub = createMemoryHub();
    assert.equal(await hub.markSeen('k', 20), true);
    assert.equal(await hub.markSeen('k', 20), false);
    await sleep(40);
    assert.equal(await hub.markSeen('k', DAY), true);
    await hub.forget('k');
    assert.equal(await hub.markSeen('k', DAY), true);
    await hub.close();
  });
});

describe('memory hub stream places', () => {
  it('admits up to max live places, renews holders, frees expired and given-back places', async () => {
    const hub = createMemoryHub();
    assert.equal(await hub.holdSlots!('client', ['a:1', 'a:2'], 2, 100), 2);
    assert.equal(await hub.holdSlots!('client', ['b:1'], 2, 100), 0, 'both places are held');
    assert.equal(await hub.holdSlots!('client', ['a:1', 'a:2'], 2, 100), 2, 'holders renew');
    assert.equal(await hub.holdSlots!('other', ['b:1'], 2, 100), 1, 'another client has places of its own');
    await hub.releaseSlots!('client', ['a:1']);
    assert.equal(await hub.holdSlots!('client', ['b:1', 'b:2'], 2, 100), 1, 'a given-back place is free at once');
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await hub.holdSlots!('client', ['c:1', 'c:2', 'c:3'], 2, 100), 2, 'expired places are free again');
    await hub.close();
  });
});
