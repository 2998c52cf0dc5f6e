/**
 * `okid-verify`: registers `<okid-verify>` and exports the element, the `OkID` facade of the
 * okID JS SDK, the events and the protocol types. Importing it in Node (server-side rendering)
 * is safe: Lit's Node build stands in for `HTMLElement` and `customElements`, and the element
 * registers in that stand-in only (test/node/ssr-import.test.ts).
 */
import { OkidVerifyElement } from './element/okid-verify-element.js';

export { OkidVerifyElement } from './element/okid-verify-element.js';
export { OkidCompleteEvent, OkidErrorEvent, OkidRestartEvent, OkidStatusEvent, OkidStepEvent } from './element/events.js';
export type { OkidRestartDetail, OkidStepDetail, OkidStepFacts, OkidStepName } from './element/events.js';
export { OkID } from './okid.js';
export type { OkIDConfig } from './okid.js';
export { ErrorCode, Status, isFinalStatus } from './core/status.js';
export type { OkidCompleteDetail, OkidErrorDetail, Outcome, Progress, StatusSnapshot } from './core/status.js';

OkidVerifyElement.define();
