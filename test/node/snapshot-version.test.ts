/**
 * Snapshot ordering, and the webhook snapshots whose time is synthesized (okID's documented
 * payload has no `updated_at`): those order by status first, so they neither hold back okID's
 * later answers nor overtake a status further along.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusSnapshot } from '../../src/core/protocol.js';
import { eventIdOf, isNewer, parseEventId, versionOf } from '../../src/server/status/snapshot-version.js';
import { isTimeSynthesized, withSynthesizedTime } from '../../src/server/hub/hub.js';

const snap = (status: StatusSnapshot['status'], updatedAt: string, progress: StatusSnapshot['progress'] = {}): StatusSnapshot => ({
  verificationId: 'ver_order_test1',
  status,
  progress,
  updatedAt,
  expiresAt: '2099-01-01T00:00:00.000Z',
});
const EARLY = '2025-01-01T10:00:00.000Z';
const LATE = '2025-01-01T11:00:00.000Z';

describe('snapshot ordering', () => {
  it('real times: the later one wins, even with a lower status; final states stay', () => {
    assert.equal(isNewer(versionOf(snap('opened', LATE)), versionOf(snap('in_progress', EARLY))), true);
    assert.equal(isNewer(versionOf(snap('in_progress', EARLY)), versionOf(snap('opened', LATE))), false);
    assert.equal(isNewer(versionOf(snap('opened', LATE)), versionOf(snap('completed', EARLY))), false);
  });

  it('a synthesized time orders by status first, in both directions', () => {
    const webhookAhead = versionOf(withSynthesizedTime(snap('opened', LATE)));
    // okID's later answer, with an earlier clock: not held back.
    assert.equal(isNewer(versionOf(snap('in_progress', EARLY)), webhookAhead), true);
    assert.equal(isNewer(versionOf(snap('opened', EARLY, { terms: 'completed' })), webhookAhead), true, 'more steps');
    assert.equal(isNewer(versionOf(snap('opened', EARLY)), webhookAhead), false, 'same place: no flapping');
    // A webhook stamped early, for a status further along: taken.
    const webhookBehind = versionOf(withSynthesizedTime(snap('processing', EARLY)));
    assert.equal(isNewer(webhookBehind, versionOf(snap('in_progress', LATE))), true);
    assert.equal(isNewer(versionOf(withSynthesizedTime(snap('opened', LATE))), versionOf(snap('in_progress', EARLY))), false);
  });

  it('the mark survives spreads and event ids, never JSON', () => {
    const marked = withSynthesizedTime(snap('opened', LATE));
    assert.equal(isTimeSynthesized({ ...marked, expiresAt: 'x' }), true);
    assert.equal(isTimeSynthesized(JSON.parse(JSON.stringify(marked)) as StatusSnapshot), false);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(marked))).sort(), ['expiresAt', 'progress', 'status', 'updatedAt', 'verificationId']);
    const version = versionOf(marked);
    assert.match(eventIdOf(version), /^\d+s-1-0-[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(parseEventId(eventIdOf(version)), version);
    const real = versionOf(snap('opened', LATE));
    assert.deepEqual(parseEventId(eventIdOf(real)), real);
  });
});
