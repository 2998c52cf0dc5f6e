/**
 * The element's events: DOM `CustomEvent`s with fixed names that bubble and cross shadow roots,
 * typed in `HTMLElementEventMap` so `el.addEventListener('okid-complete', e => e.detail…)` is
 * typed in every framework.
 */
import type { OkidStepDetail } from '../core/step-event.js';
import type { OkidCompleteDetail, OkidErrorDetail, StatusSnapshot } from '../core/status.js';

export type { OkidStepDetail, OkidStepFacts, OkidStepName } from '../core/step-event.js';

/** Fired on every status change with the new snapshot. */
export class OkidStatusEvent extends CustomEvent<StatusSnapshot> {
  static readonly type = 'okid-status';
  constructor(detail: StatusSnapshot) {
    super(OkidStatusEvent.type, { detail, bubbles: true, composed: true });
  }
}

/** Fired once, when the verification reaches `completed`. */
export class OkidCompleteEvent extends CustomEvent<OkidCompleteDetail> {
  static readonly type = 'okid-complete';
  constructor(detail: OkidCompleteDetail) {
    super(OkidCompleteEvent.type, { detail, bubbles: true, composed: true });
  }
}

/** Detail of `okid-restart`: the verification that ended and the one **Start again** created. */
export interface OkidRestartDetail {
  previousVerificationId: string;
  verificationId: string;
}

/**
 * Fired after **Start again** (offered only when the proxy has a `create` hook) created a new
 * verification and the element switched to it, its QR code drawn.
 */
export class OkidRestartEvent extends CustomEvent<OkidRestartDetail> {
  static readonly type = 'okid-restart';
  constructor(detail: OkidRestartDetail) {
    super(OkidRestartEvent.type, { detail, bubbles: true, composed: true });
  }
}

/**
 * Fired for each thing the person does or meets (the funnel: QR shown, terms accepted, photo
 * taken, submitted…); `detail` is `{ name, at, mode, verificationId?, … }`, never personal data.
 */
export class OkidStepEvent extends CustomEvent<OkidStepDetail> {
  static readonly type = 'okid-step';
  constructor(detail: OkidStepDetail) {
    super(OkidStepEvent.type, { detail, bubbles: true, composed: true });
  }
}

/** Fired for `failed`, `expired`, `canceled`, and for SDK faults (see `code`). */
export class OkidErrorEvent extends CustomEvent<OkidErrorDetail> {
  static readonly type = 'okid-error';
  constructor(detail: OkidErrorDetail) {
    super(OkidErrorEvent.type, { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'okid-status': OkidStatusEvent;
    'okid-complete': OkidCompleteEvent;
    'okid-error': OkidErrorEvent;
    'okid-restart': OkidRestartEvent;
    'okid-step': OkidStepEvent;
  }
}
