/**
 * The public API of `<okid-verify>` in one place: attributes and properties with their defaults,
 * events, slots, CSS parts and custom properties. `okid-verify-element.ts` is what it does.
 */
import { LitElement } from 'lit';
import type { OkidCompleteDetail, OkidErrorDetail } from '../core/status.js';
import { DEFAULT_POLL_INTERVAL_MS } from '../controllers/status-controller.js';
import type { CaptureStrings } from '../i18n/en-capture.js';
import type { Strings } from '../i18n/en-element.js';
import type { Overrides } from '../i18n/types.js';
import type { OkidRestartDetail, OkidStepDetail } from './events.js';

/**
 * `<okid-verify>`: identity verification in one tag. On a desktop it shows a QR code that hands
 * the user off to their phone and follows the status through the operator's proxy; on a phone
 * (or `mode="capture"`) it runs the capture flow itself.
 *
 * @event okid-status - Every status change; `detail` is the status snapshot.
 * @event okid-complete - The verification completed; `detail` is `{ verificationId, outcome, snapshot }`.
 * @event okid-error - A verification that failed, expired or was canceled, or an SDK fault; `detail` is `{ code, message, recoverable, verificationId? }`.
 * @event okid-step - Each thing the person does or meets (funnel events: `qr_shown`, `terms_accepted`, `photo_taken`, `submitted`…, listed in the README); `detail` is `{ name, at, mode, verificationId?, … }`, never an image, a name or a document number.
 * @event okid-restart - **Start again** created a new verification and the element shows its QR code (offered only when the proxy has a `create` hook); `detail` is `{ previousVerificationId, verificationId }`.
 *
 * @slot logo - The operator's logo, shown at the top in every state.
 * @slot intro - Text that replaces the scan instruction above the QR code.
 *
 * @csspart base - The wrapper of everything shown (carries lang and dir).
 * @csspart qr - The QR code picture.
 * @csspart open-link - The "open on this device" link.
 * @csspart copy-button - The copy-link button.
 * @csspart time-left - The time left until the verification expires.
 * @csspart steps - The list of steps shown while the user continues on the phone.
 * @csspart outcome - The final message.
 * @csspart banner - The connection-problem banner.
 * @csspart retry-button - The "retry now" button in that banner.
 * @csspart continue-button - The hosted flow's **Continue** link to okID's portal, on a phone.
 * @csspart camera - The capture flow's live camera picture (a `<video>`), for the document and the face check.
 * @csspart shutter - The capture flow's shutter button under the document camera.
 * @csspart switch-camera-button - **Switch camera** under the document camera, where the phone has more than one rear camera.
 * @csspart light-button - **Light** (the torch, `aria-pressed` while lit) under the document camera, where the camera has a torch.
 * @csspart primary-button - The capture flow's main button on a screen (agree, use this photo, start).
 * @csspart choice - Each document type to choose in the capture flow.
 * @csspart review-image - The still just taken, shown for review.
 * @csspart file-button - The capture flow's "take a photo with your camera app" button (a file input's label).
 * @csspart progress - The face check's progress through its prompts.
 * @csspart return-link - The link back to the site after the capture flow ended or stopped.
 * @csspart notice - A message over a capture screen (a photo that could not be read or sent).
 * @csspart stop-button - The capture flow's **Stop** link, on every screen before submit.
 * @csspart stop-confirm-button - **Yes, stop** (and **Try again** after a stop that did not get through).
 * @csspart stop-back-button - **Go back** from the stop question to the step the person was on.
 * @csspart restart-button - **Start again**, after a verification failed, expired or was canceled on a desktop.
 *
 * @cssproperty --okid-accent - Buttons and links (default #1d4ed8).
 * @cssproperty --okid-accent-contrast - Text on the accent colour (default #fff).
 * @cssproperty --okid-background - Background (default #fff).
 * @cssproperty --okid-color - Text (default #1d2939).
 * @cssproperty --okid-muted-color - Secondary text (default #475467).
 * @cssproperty --okid-border-color - Borders (default #d0d5dd).
 * @cssproperty --okid-success-color - Success text (default #067647).
 * @cssproperty --okid-error-color - Error text (default #b42318).
 * @cssproperty --okid-focus-color - Focus ring (default #f79009).
 * @cssproperty --okid-radius - Corner radius of the box (default 12px).
 * @cssproperty --okid-button-radius - Corner radius of buttons (default 8px).
 * @cssproperty --okid-font-family - Font (default the system font).
 * @cssproperty --okid-font-size - Base font size (default medium: the reader's own size, not the page's).
 * @cssproperty --okid-qr-size - Width of the QR code (default 14em).
 * @cssproperty --okid-max-width - Largest width of the box (default 26rem).
 * @cssproperty --okid-padding - Inner spacing (default 1.25rem).
 */
export class OkidVerifyProperties extends LitElement {
  static override properties = {
    processToken: { attribute: 'process-token' },
    verificationUrl: { attribute: 'verification-url' },
    proxyUrl: { attribute: 'proxy-url' },
    mode: {},
    capture: {},
    handoffUrl: { attribute: 'handoff-url' },
    apiUrl: { attribute: 'api-url' },
    frontendUrl: { attribute: 'frontend-url' },
    flowName: { attribute: 'flow-name' },
    locale: {},
    returnUrl: { attribute: 'return-url' },
    pollInterval: { attribute: 'poll-interval', type: Number },
    onComplete: { attribute: false },
    onError: { attribute: false },
    onRestart: { attribute: false },
    onStep: { attribute: false },
    strings: { attribute: false },
    copyState: { state: true },
  };

  /** Registers the element under `tag`; safe to call when it (or another build of it) is already there. */
  static define(tag = 'okid-verify', registry: CustomElementRegistry | undefined = globalThis.customElements): void {
    if (registry && !registry.get(tag)) registry.define(tag, this);
  }

  /** okID v1 process token (`tok_…`), v2 verification id (`ver_…`) or any other okID id: 1 to 200 of `A–Z a–z 0–9 . _ ~ : -`. */
  declare processToken?: string;
  /** A verification URL; the id is read from `verification_id`, `token` or a `ver_…`/`tok_…` last path segment. */
  declare verificationUrl?: string;
  /** Base URL of the operator's proxy, for example `/okid`. */
  declare proxyUrl?: string;
  /** `auto` (phone → capture, else handoff), `handoff` or `capture`. */
  declare mode: string;
  /**
   * How a phone captures: `auto` (default: the embedded flow where okID's capture API answers,
   * else okID's hosted portal), `embedded` (never falls back: an `okid-error` instead) or
   * `hosted` (a **Continue** button to the portal; the capture API is never asked).
   */
  declare capture: string;
  /** Template of the URL in the QR code; `{id}` is replaced by the verification id. */
  declare handoffUrl?: string;
  /** okID API host used by the capture flow (default `https://api1.okid.io`). */
  declare apiUrl?: string;
  /** okID portal host of the default handoff URL (default: `https://verify.prod.okid.io` for a v2 `ver_…` id, `https://verify.okid.io` for a v1 `tok_…` token). */
  declare frontendUrl?: string;
  /** okID flow name, as in the okID JS SDK (default `standard`). */
  declare flowName?: string;
  /** Interface language, as a BCP 47 tag. */
  declare locale?: string;
  /** Where the capture flow sends the user when done (http(s) only). */
  declare returnUrl?: string;
  /** Milliseconds between two status polls while nothing fails (default 2000, at least 250). */
  declare pollInterval: number;
  /** Called with the same detail as `okid-complete`. */
  declare onComplete?: (detail: OkidCompleteDetail) => void;
  /** Called with the same detail as `okid-error`. */
  declare onError?: (detail: OkidErrorDetail) => void;
  /** Called with the same detail as `okid-restart`. */
  declare onRestart?: (detail: OkidRestartDetail) => void;
  /** Called with the same detail as `okid-step`. */
  declare onStep?: (detail: OkidStepDetail) => void;
  /**
   * The operator's own wording: any string of the element or of the capture flow, by key (see
   * the English tables in the README), in every language. Merged over the translation.
   */
  declare strings?: Overrides<Strings> & Overrides<CaptureStrings>;

  declare protected copyState: 'idle' | 'copied' | 'failed';

  constructor() {
    super();
    this.mode = 'auto';
    this.capture = 'auto';
    this.pollInterval = DEFAULT_POLL_INTERVAL_MS;
    this.copyState = 'idle';
  }
}
