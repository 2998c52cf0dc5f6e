/**
 * Types of `okid-verify/react`: `okid-verify`'s exports plus the tag in React 19's JSX, so
 * `<okid-verify process-token={id} onokid-complete={…} />` is type-checked. At run time the entry
 * is `dist/index.js` itself (package.json's `exports`), so importing either registers
 * `<okid-verify>` once; this file only gives the declarations (dist/types/react.d.ts).
 *
 * React 19 sets a custom element's props as properties when the element has one and as
 * attributes otherwise, and turns a prop `on` + name into `addEventListener(name)`: the events
 * are `onokid-complete`, `onokid-error` and `onokid-status`. The kebab-case attributes are the
 * ones typed here because they also survive server rendering, which writes attributes only.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { OkidVerifyAttributes } from './element/attributes.js';
import type { OkidCompleteEvent, OkidErrorEvent, OkidRestartEvent, OkidStatusEvent, OkidStepEvent } from './element/events.js';
import type { OkidVerifyElement } from './element/okid-verify-element.js';

export * from './index.js';
export type { OkidVerifyAttributes } from './element/attributes.js';

/** The props of `<okid-verify>` in React 19. */
export interface OkidVerifyReactProps
  extends Omit<DetailedHTMLProps<HTMLAttributes<OkidVerifyElement>, OkidVerifyElement>, 'onError'>,
    OkidVerifyAttributes {
  /** The status snapshot, on every change. */
  'onokid-status'?: (event: OkidStatusEvent) => void;
  /** `{ verificationId, outcome, snapshot }`, once, when the status becomes `completed`. */
  'onokid-complete'?: (event: OkidCompleteEvent) => void;
  /** `{ code, message, recoverable, verificationId? }`, for a final failure or an SDK fault. */
  'onokid-error'?: (event: OkidErrorEvent) => void;
  /** `{ previousVerificationId, verificationId }`, after **Start again** created a new verification. */
  'onokid-restart'?: (event: OkidRestartEvent) => void;
  /** `{ name, at, mode, … }`, for each thing the person does or meets (funnel events, no personal data). */
  'onokid-step'?: (event: OkidStepEvent) => void;
  /**
   * Not available in React: React 19 takes a prop named `on…` on a custom element for an event
   * listener (`onComplete` would listen for an event named `Complete`), never for the property.
   * Use `onokid-complete`.
   */
  onComplete?: never;
  /** Not available in React: React's `onError` is its own DOM `error` event. Use `onokid-error`. */
  onError?: never;
  /** Not available in React (see `onComplete`). Use `onokid-step`. */
  onStep?: never;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'okid-verify': OkidVerifyReactProps;
    }
  }
}
