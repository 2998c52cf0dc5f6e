/**
 * Types of `okid-verify/vue`: `okid-verify`'s exports plus the tag in Vue's `GlobalComponents`,
 * so `vue-tsc` (Volar) checks its attributes and `@okid-…` listeners in templates. At run time
 * the entry is `dist/index.js` itself (package.json's `exports`), so importing either registers
 * `<okid-verify>` once; this file only gives the declarations (dist/types/vue.d.ts). Tell Vue's
 * compiler the tag is a custom element (`compilerOptions.isCustomElement`, see the README) so it
 * does not try to resolve a component.
 *
 * Vue sets a custom element's props as properties when the element has one and as attributes
 * otherwise, and listens to `@okid-complete` (`onOkidComplete` in a render function) with
 * `addEventListener('okid-complete')`.
 */
import type { DefineComponent } from 'vue';
import type { Mode } from './core/config.js';
import type { OkidCompleteEvent, OkidErrorEvent, OkidRestartEvent, OkidStatusEvent, OkidStepEvent } from './element/events.js';

export * from './index.js';

/** The props of `<okid-verify>` in Vue templates; write them kebab-case (`process-token`) or camelCase. */
export interface OkidVerifyVueProps {
  processToken?: string;
  verificationUrl?: string;
  proxyUrl?: string;
  mode?: Mode;
  handoffUrl?: string;
  apiUrl?: string;
  frontendUrl?: string;
  flowName?: string;
  locale?: string;
  returnUrl?: string;
  /** Milliseconds between two status polls while nothing fails (default 2000, at least 250). */
  pollInterval?: number | `${number}`;
  /** `@okid-status`: the status snapshot, on every change. */
  onOkidStatus?: (event: OkidStatusEvent) => void;
  /** `@okid-complete`: `{ verificationId, outcome, snapshot }`, once. */
  onOkidComplete?: (event: OkidCompleteEvent) => void;
  /** `@okid-error`: `{ code, message, recoverable, verificationId? }`. */
  onOkidError?: (event: OkidErrorEvent) => void;
  /** `@okid-restart`: `{ previousVerificationId, verificationId }`, after **Start again**. */
  onOkidRestart?: (event: OkidRestartEvent) => void;
  /** `@okid-step`: `{ name, at, mode, … }`, for each thing the person does or meets (no personal data). */
  onOkidStep?: (event: OkidStepEvent) => void;
}

declare module 'vue' {
  interface GlobalComponents {
    'okid-verify': DefineComponent<OkidVerifyVueProps>;
  }
}
