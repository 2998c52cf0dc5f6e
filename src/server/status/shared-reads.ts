/**
 * One okID status read per verification at a time, however it is asked. Status GETs, event
 * streams and the watches behind them all read through {@link SharedReads}: callers asking for
 * the same id while a read is in flight share it, and its answer is reused for about a second, so
 * a thousand browsers polling one id cost about one okID read a second instead of a thousand. An
 * unknown id's 404 is remembered briefly too, so a flood of guesses does not become a flood of
 * okID calls.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import { SingleFlight } from '../common/single-flight.js';
import type { SingleFlightOptions } from '../common/single-flight.js';
import type { SnapshotRead } from '../okid/read-snapshot.js';
import { isNewer, versionOf } from './snapshot-version.js';

export type { SnapshotRead };
export { DEFAULT_FRESH_MS, DEFAULT_NOT_FOUND_MS } from '../common/single-flight.js';

/** Settings of {@link SharedReads}. */
export type SharedReadsOptions = SingleFlightOptions<SnapshotRead>;

/** Shared okID status reads of one proxy instance. */
export class SharedReads extends SingleFlight<SnapshotRead> {
  /**
   * Offers a snapshot learned elsewhere (a webhook, another instance, a poll): when it is newer
   * than the remembered answer, it replaces it (the expiry and the alias stay), so a status GET
   * never contradicts what a stream just sent.
   */
  offer(verificationId: string, snapshot: StatusSnapshot): void {
    this.replace(verificationId, (read) => {
      if (!isNewer(versionOf(snapshot), versionOf(read.snapshot))) return undefined;
      return read.alias === undefined ? { snapshot } : { snapshot, alias: read.alias };
    });
  }
}
