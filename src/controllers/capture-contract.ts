/**
 * The one contract between the element and the capture chunk: what the element gives the
 * capture flow and what it gets back. Types only (no bytes in any bundle). Here because both
 * sides may import `src/controllers/` (ARCHITECTURE.md) while src/core has no Lit, and the
 * element may reach the capture chunk only through the dynamic `import()` in load-capture.ts,
 * which TypeScript checks against {@link CaptureModule} without a cast.
 */
import type { CSSResult, LitElement, TemplateResult } from 'lit';
import type { ResolvedConfig } from '../core/config.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import type { OkidStepFacts, OkidStepName } from '../core/step-event.js';

/** What the element gives the flow. */
export interface CaptureCallbacks {
  /** Every status the phone learns (the element fires okid-status, okid-complete, okid-error). */
  onSnapshot(snapshot: StatusSnapshot): void;
  /** Faults of the capture itself: camera, network, uploads. */
  onError(detail: OkidErrorDetail): void;
  /** A funnel event of the person's (the element fires `okid-step`); optional for hosts that do not listen. */
  onStep?(name: OkidStepName, facts?: OkidStepFacts): void;
  /** The element's current translation of the capture words, and the operator's overrides; English without it. */
  words?(): { translation?: object; overrides?: object };
}

/** What the element needs of a running capture flow. */
export interface CaptureFlowHandle {
  render(): TemplateResult;
  /** Ends the camera, loops, timers and uploads, and detaches from the host. */
  dispose(): void;
}

/** What the capture chunk exports (src/capture/capture-flow.ts). */
export interface CaptureModule {
  CaptureFlow: new (host: LitElement, config: ResolvedConfig, callbacks: CaptureCallbacks) => CaptureFlowHandle;
  captureStyles: CSSResult;
}
