import { LitElement, html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { resolveConfig } from '../core/config.js';
import type { ResolvedConfig } from '../core/config.js';
import { CreatedVerificationSchema, ErrorCode, PROGRESS_STEPS, isFinalStatus } from '../core/status.js';
import type { OkidCompleteDetail, OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import { onSecond, secondsUntil } from '../core/ticker.js';
import { DEFAULT_POLL_INTERVAL_MS, StatusController } from '../controllers/status-controller.js';
import { isPhoneLike } from './device.js';
import { loadCaptureModule } from './load-capture.js';
import type { CaptureFlowLike, CaptureModule } from './load-capture.js';
import { joinUrl } from '../core/verification-id.js';
import { OkidCompleteEvent, OkidErrorEvent, OkidRestartEvent, OkidStatusEvent } from './events.js';
import type { OkidRestartDetail } from './events.js';
import { qrPath } from './qr-code.js';
import { en } from '../i18n/en-element.js';
import type { Strings } from '../i18n/en-element.js';
import type { CaptureStrings } from '../i18n/en-capture.js';
import { isRightToLeft, pickLocale } from '../i18n/locale.js';
import type { Locale } from '../i18n/locale.js';
import { loadTranslation } from '../i18n/load.js';
import type { TranslationModule } from '../i18n/load.js';
import { mergeStrings } from '../i18n/types.js';
import type { Overrides, Translation } from '../i18n/types.js';
import { styles } from './styles.js';

/** What the element shows; `render()` switches over it. */
type View = 'config-error' | 'handoff' | 'phone' | 'processing' | 'completed' | 'ended' | 'capture' | 'hosted';

/**
 * Where a phone (capture mode) is: reading the status through the proxy first, following it
 * (the verification is final or processing: its outcome is shown, never a new flow), running the
 * embedded capture flow, or offering okID's hosted portal.
 */
type PhonePath = 'checking' | 'status' | 'embedded' | 'hosted';

/** Codes and messages of the final statuses that are failures. */
const FINAL_ERRORS = {
  failed: { code: ErrorCode.VerificationFailed, message: 'failed' },
  expired: { code: ErrorCode.VerificationExpired, message: 'expired' },
  canceled: { code: ErrorCode.VerificationCanceled, message: 'canceled' },
} as const satisfies Record<string, { code: ErrorCode; message: keyof Strings }>;

type Intl2 = typeof Intl & { DurationFormat?: new (locale: string, options: { style: 'digital'; hoursDisplay: 'auto' }) => { format(d: object): string } };

/** "4:05" or "1:02:03", through Intl where the browser has DurationFormat. */
function formatDuration(seconds: number, locale: string): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const DurationFormat = (Intl as Intl2).DurationFormat;
  if (DurationFormat) return new DurationFormat(locale, { style: 'digital', hoursDisplay: 'auto' }).format(h ? { hours: h, minutes: m, seconds: s } : { minutes: m, seconds: s });
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s).padStart(2, '0')}`;
}

/** Calls an operator callback without letting its exception break the element. */
function callSafely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  if (!callback) return;
  try {
    callback(value);
  } catch (error) {
    globalThis.reportError?.(error);
  }
}

/**
 * `<okid-verify>`: identity verification in one tag. On a desktop it shows a QR code that hands
 * the user off to their phone and follows the status through the operator's proxy; on a phone
 * (or `mode="capture"`) it runs the capture flow itself.
 *
 * @event okid-status - Every status change; `detail` is the status snapshot.
 * @event okid-complete - The verification completed; `detail` is `{ verificationId, outcome, snapshot }`.
 * @event okid-error - A verification that failed, expired or was canceled, or an SDK fault; `detail` is `{ code, message, recoverable, verificationId? }`.
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
export class OkidVerifyElement extends LitElement {
  static override styles = styles;

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
    strings: { attribute: false },
    copyState: { state: true },
  };

  /** Registers the element under `tag`; safe to call when it (or another build of it) is already there. */
  static define(tag = 'okid-verify', registry: CustomElementRegistry | undefined = globalThis.customElements): void {
    if (registry && !registry.get(tag)) registry.define(tag, this);
  }

  /** okID v1 process token (`tok_…`) or v2 verification id (`ver_…`). */
  declare processToken?: string;
  /** A verification URL; the id is read from `verification_id`, `token` or the last path segment. */
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
  /** okID portal host of the default handoff URL (default `https://verify.okid.io`). */
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
  /**
   * The operator's own wording: any string of the element or of the capture flow, by key (see
   * the English tables in the README), in every language. Merged over the translation.
   */
  declare strings?: Overrides<Strings> & Overrides<CaptureStrings>;

  declare protected copyState: 'idle' | 'copied' | 'failed';

  /** The language shown: the `locale` attribute, else the nearest `lang`, else the browser's. */
  #language: Locale = 'en';
  #translation?: TranslationModule;
  private t: Translation<Strings> = en;
  #config?: ResolvedConfig;
  #configError?: string;
  /** `auto` resolved once per configuration, so a view never flips under the user. */
  #activeMode?: 'handoff' | 'capture';
  #captureFlow?: CaptureFlowLike;
  #captureFailed = false;
  #phonePath?: PhonePath;
  /** The capture API answered the embedded flow once: from then on its faults are the flow's own. */
  #captureAnswered = false;
  /** Counts phone starts, so a late answer of a replaced start changes nothing. */
  #phoneRun = 0;
  #qr?: { url: string; size: number; path: string };
  /** Verification ids whose final event was already fired: each fires exactly once. */
  readonly #finished = new Set<string>();
  #stopTicker?: () => void;
  #reportedConfigError?: string;
  /**
   * Whether the proxy can create verifications (it has a `create` hook): asked once per proxy,
   * when a verification first ends in failure; `available` stays false until it answers.
   */
  #restartOffer?: { proxyUrl: string; available: boolean };
  /** `busy` while **Start again** runs (a second press does nothing), `failed` after it failed. */
  #restartState: 'idle' | 'busy' | 'failed' = 'idle';

  readonly #status = new StatusController(this, {
    onSnapshot: (snapshot) => {
      this.#handleSnapshot(snapshot);
      this.#phoneStatus(snapshot.status);
    },
    onFault: (fault) => {
      if (this.#phonePath !== 'checking' || !fault.recoverable) this.#emitError(fault);
      this.#phoneStatus(undefined, fault);
    },
  });

  constructor() {
    super();
    this.mode = 'auto';
    this.capture = 'auto';
    this.pollInterval = DEFAULT_POLL_INTERVAL_MS;
    this.copyState = 'idle';
  }

  /** The last status snapshot, if any. */
  get snapshot(): StatusSnapshot | undefined {
    return this.#status.snapshot;
  }

  /** The verification id this element follows, once its configuration is valid. */
  get verificationId(): string | undefined {
    return this.#config?.verificationId;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopCountdown();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || changed.has('locale') || changed.has('strings')) this.#updateLanguage();
    this.#updateConfig(changed);
  }

  #updateLanguage(): void {
    const language = pickLocale(this.locale || this.closest('[lang]')?.getAttribute('lang') || globalThis.navigator?.language);
    if (language !== this.#language) {
      this.#language = language;
      this.#translation = undefined;
      void loadTranslation(language).then((translation) => {
        if (this.#language !== language || !translation) return;
        this.#translation = translation;
        this.t = mergeStrings(en, translation.element, this.strings);
        this.requestUpdate();
      });
    }
    this.t = mergeStrings(en, this.#translation?.element, this.strings);
  }

  /** The capture flow's words: its translation and the operator's overrides (English lives in its chunk). */
  readonly #captureWords = (): { translation?: Translation<CaptureStrings>; overrides?: object } => ({
    translation: this.#translation?.capture,
    overrides: this.strings,
  });

  #updateConfig(changed: PropertyValues<this>): void {
    const configKeys = ['processToken', 'verificationUrl', 'proxyUrl', 'mode', 'capture', 'handoffUrl', 'apiUrl', 'frontendUrl', 'returnUrl', 'pollInterval'] as const;
    if (!configKeys.some((key) => changed.has(key))) return;
    const previous = this.#config;
    const previousMode = this.#activeMode;
    const result = resolveConfig(this, document.baseURI);
    let config = result.ok ? result.config : undefined;
    this.#configError = result.ok ? undefined : result.message;
    if (config && this.#qr?.url !== config.handoffUrl) {
      try {
        this.#qr = { url: config.handoffUrl, ...qrPath(config.handoffUrl) };
      } catch {
        // A QR code holds about 2,300 bytes at error correction M.
        this.#qr = undefined;
        config = undefined;
        this.#configError = 'The handoff URL is too long for a QR code: shorten handoff-url or verification-url.';
      }
    }
    this.#config = config;
    this.#activeMode = config ? (config.mode === 'auto' ? (isPhoneLike() ? 'capture' : 'handoff') : config.mode) : undefined;
    const restart =
      !config ||
      previous?.verificationId !== config.verificationId ||
      previous?.proxyUrl !== config.proxyUrl ||
      previousMode !== this.#activeMode ||
      (this.#activeMode === 'capture' && previous?.capture !== config.capture) ||
      changed.has('pollInterval');
    if (!restart) return;
    // A finished verification stays finished: changing poll-interval or proxy-url must not replay it.
    if (config && previous?.verificationId === config.verificationId && this.#finished.has(config.verificationId)) return;
    this.#status.stop();
    this.#disposeCapture();
    this.#phoneRun++;
    this.#phonePath = undefined;
    this.#restartState = 'idle';
    if (!config) return;
    if (this.#activeMode === 'capture') {
      this.#startPhone(config);
    } else if (config.proxyUrl) {
      this.#status.watch(config.proxyUrl, config.verificationId, this.pollInterval);
    }
  }

  protected override updated(): void {
    this.#paintCountdown(Date.now());
    // Events are dispatched after rendering, so a listener sees the element in its new state.
    if (this.#configError && this.#reportedConfigError !== this.#configError) {
      this.#reportedConfigError = this.#configError;
      this.#emitError({ code: ErrorCode.ConfigInvalid, message: this.#configError, recoverable: false });
    } else if (!this.#configError) {
      this.#reportedConfigError = undefined;
    }
  }

  /**
   * A phone's start. With a proxy, the status comes first (see {@link phoneStatus}): a person whom
   * okID's `return_url` brought back sees the outcome, and the page gets its events, never a new
   * flow. Without one, the capture choice at once.
   */
  #startPhone(config: ResolvedConfig): void {
    this.#phonePath = 'checking';
    if (config.proxyUrl) this.#status.watch(config.proxyUrl, config.verificationId, this.pollInterval);
    else void this.#chooseCapture(config);
  }

  /**
   * The first status a phone reads decides: a final or processing verification is followed to
   * its outcome; one not found or refused ends there; anything else (an unreachable proxy too:
   * the capture side may still work, and reports its own faults) goes on to the capture choice.
   */
  #phoneStatus(status: StatusSnapshot['status'] | undefined, fault?: OkidErrorDetail): void {
    if (this.#phonePath !== 'checking') return;
    if (fault ? !fault.recoverable : isFinalStatus(status!) || status === 'processing') {
      this.#phonePath = 'status';
      return;
    }
    this.#status.stop();
    void this.#chooseCapture(this.#config!);
  }

  /** `hosted` offers the portal at once; `embedded` and `auto` start the embedded flow, whose first answer decides for `auto`. */
  async #chooseCapture(config: ResolvedConfig): Promise<void> {
    this.#phonePath = config.capture === 'hosted' ? 'hosted' : 'embedded';
    this.requestUpdate();
    if (this.#phonePath === 'embedded') await this.#startCapture(config);
  }

  /** Shows okID's hosted portal instead of the embedded flow (`capture="auto"` only). */
  #fallBackToHosted(): void {
    this.#disposeCapture();
    this.#captureFailed = false;
    this.#phonePath = 'hosted';
    this.requestUpdate();
  }

  /**
   * The embedded flow's faults. Under `capture="auto"`, a first answer of "no such flow" (okID
   * publishes no capture API: 404) or no answer at all (CORS, network) means the hosted portal;
   * once the flow answered, or with `capture="embedded"`, every fault is the page's to hear.
   */
  #handleCaptureError(detail: OkidErrorDetail, run: number): void {
    if (run !== this.#phoneRun) return;
    const unavailable = detail.code === ErrorCode.VerificationNotFound || detail.code === ErrorCode.Network;
    if (this.#config?.capture === 'auto' && !this.#captureAnswered && unavailable) return this.#fallBackToHosted();
    this.#emitError(detail);
  }

  async #startCapture(config: ResolvedConfig): Promise<void> {
    const run = this.#phoneRun;
    this.#captureFailed = false;
    let module: CaptureModule;
    try {
      // The capture flow is a chunk of its own: a desktop page that shows the QR never loads it.
      module = await loadCaptureModule();
    } catch {
      if (run !== this.#phoneRun) return;
      // okID's portal needs no chunk: under `auto` it is the way on when ours cannot load.
      if (config.capture === 'auto') return this.#fallBackToHosted();
      this.#captureFailed = true;
      this.requestUpdate();
      this.#emitError({ code: ErrorCode.Network, message: this.t.captureLoadFailed, recoverable: true, verificationId: config.verificationId });
      return;
    }
    // Compare what matters: a later change to, say, return-url makes a new config object.
    if (run !== this.#phoneRun || this.#activeMode !== 'capture' || this.#phonePath !== 'embedded' || this.#captureFlow) return;
    const root = this.renderRoot as ShadowRoot;
    const sheet = module.captureStyles.styleSheet;
    if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    this.#captureFlow = new module.CaptureFlow(this, this.#config!, {
      onSnapshot: (snapshot) => {
        if (run !== this.#phoneRun) return;
        this.#captureAnswered = true;
        this.#handleSnapshot(snapshot);
      },
      onError: (detail) => this.#handleCaptureError(detail, run),
      words: this.#captureWords,
    });
    this.requestUpdate();
  }

  #disposeCapture(): void {
    this.#captureFlow?.dispose();
    this.#captureFlow = undefined;
    this.#captureAnswered = false;
  }

  readonly #handleCaptureRetry = (): void => {
    if (this.#config) void this.#startCapture(this.#config);
  };

  #handleSnapshot(snapshot: StatusSnapshot): void {
    this.dispatchEvent(new OkidStatusEvent(snapshot));
    if (!isFinalStatus(snapshot.status) || this.#finished.has(snapshot.verificationId)) return;
    this.#finished.add(snapshot.verificationId);
    if (snapshot.status === 'completed') {
      const detail: OkidCompleteDetail = {
        verificationId: snapshot.verificationId,
        outcome: snapshot.outcome ?? 'verified',
        snapshot,
      };
      this.dispatchEvent(new OkidCompleteEvent(detail));
      callSafely(this.onComplete, detail);
      return;
    }
    const final = FINAL_ERRORS[snapshot.status as keyof typeof FINAL_ERRORS];
    this.#emitError({ code: final.code, message: this.t[final.message], recoverable: false, verificationId: snapshot.verificationId });
    this.#askRestartOffer();
  }

  /**
   * Asks the proxy, creating nothing, whether it can create verifications: its create route
   * exists only with a `create` hook, so `GET {proxy}/verifications` answers 405 (`Allow: POST`)
   * there and 404 without one. A desktop only: a phone has no QR code to start again with.
   */
  #askRestartOffer(): void {
    const proxyUrl = this.#config?.proxyUrl;
    if (this.#activeMode !== 'handoff' || !proxyUrl || this.#restartOffer?.proxyUrl === proxyUrl) return;
    const offer: { proxyUrl: string; available: boolean } = (this.#restartOffer = { proxyUrl, available: false });
    fetch(joinUrl(proxyUrl, '/verifications'), { cache: 'no-store' }).then(
      (response) => {
        offer.available = response.status === 405 && (response.headers.get('Allow') ?? 'POST').includes('POST');
        this.requestUpdate();
      },
      () => {
        // No answer is no button; the next verification that ends asks again.
        if (this.#restartOffer === offer) this.#restartOffer = undefined;
      },
    );
  }

  /**
   * **Start again**: one new verification through the proxy's create route (its `create` hook
   * decides, from the operator's session, what it is for), then its QR code, then `okid-restart`.
   */
  readonly #handleStartAgain = async (): Promise<void> => {
    const config = this.#config!;
    if (this.#restartState === 'busy') return;
    this.#restartState = 'busy';
    this.requestUpdate();
    const previousVerificationId = config.verificationId;
    let status = 0;
    try {
      const response = await fetch(joinUrl(config.proxyUrl!, '/verifications'), { method: 'POST', cache: 'no-store', headers: { Accept: 'application/json' } });
      status = response.status;
      const created = CreatedVerificationSchema.safeParse(status === 201 ? await response.json() : undefined);
      if (!created.success) throw new Error(`HTTP ${status}`);
      // The page moved to another verification meanwhile: that one wins.
      if (this.#config?.verificationId !== previousVerificationId) return;
      const { verificationId, verificationUrl } = created.data;
      // A verification-url names its id: the old one would stay in the QR code.
      if (this.verificationUrl) this.verificationUrl = verificationUrl;
      if (this.processToken || !this.verificationUrl) this.processToken = verificationId;
      const hadFocus = this.renderRoot.contains((this.renderRoot as ShadowRoot).activeElement);
      await this.updateComplete;
      // The pressed button is gone: keyboard and screen reader users land on the new link.
      if (hadFocus) this.renderRoot.querySelector<HTMLElement>('[part=open-link]')?.focus();
      const detail: OkidRestartDetail = { previousVerificationId, verificationId };
      this.dispatchEvent(new OkidRestartEvent(detail));
      callSafely(this.onRestart, detail);
    } catch {
      if (this.#config?.verificationId !== previousVerificationId) return;
      this.#restartState = 'failed';
      const code = status === 401 || status === 403 ? ErrorCode.AccessDenied : ErrorCode.Network;
      this.#emitError({ code, message: this.t.restartFailed, recoverable: true, verificationId: previousVerificationId });
    } finally {
      if (this.#restartState === 'busy') this.#restartState = 'idle';
      this.requestUpdate();
    }
  };

  #emitError(detail: OkidErrorDetail): void {
    this.dispatchEvent(new OkidErrorEvent(detail));
    callSafely(this.onError, detail);
  }

  get #view(): View {
    if (!this.#config) return 'config-error';
    if (this.#activeMode === 'capture') {
      if (this.#phonePath === 'hosted') return 'hosted';
      if (this.#phonePath !== 'status') return 'capture';
    }
    const fault = this.#status.fault;
    if (fault && !fault.recoverable) return 'ended';
    switch (this.#status.snapshot?.status) {
      case 'opened':
      case 'in_progress':
        return 'phone';
      case 'processing':
        return 'processing';
      case 'completed':
        return 'completed';
      case 'failed':
      case 'expired':
      case 'canceled':
        return 'ended';
      default:
        return this.#activeMode === 'capture' ? 'capture' : 'handoff';
    }
  }

  protected override render(): TemplateResult {
    const view = this.#view;
    let body: TemplateResult | typeof nothing;
    switch (view) {
      case 'config-error':
        body = this.#renderMessage(this.t.configInvalid, this.#configError ?? '', 'error');
        break;
      case 'capture':
        body = this.#captureFlow && this.#phonePath === 'embedded'
          ? this.#captureFlow.render()
          : this.#captureFailed
            ? html`${this.#renderMessage(this.t.captureLoadFailed, '', 'error')}<button type="button" @click=${this.#handleCaptureRetry}>${this.t.retryNow}</button>`
            : html`<p>${this.t.loading}</p>`;
        break;
      case 'handoff':
        body = this.#renderHandoff();
        break;
      case 'hosted':
        body = this.#renderHosted();
        break;
      case 'phone':
        body = this.#renderPhone();
        break;
      case 'processing':
        body = html`<h2>${this.t.processing}</h2>${this.#renderSteps()}`;
        break;
      case 'completed':
        body = this.#renderCompleted();
        break;
      case 'ended':
        body = this.#renderEnded();
        break;
    }
    return html`<div part="base" lang=${this.#language} dir=${isRightToLeft(this.#language) ? 'rtl' : 'ltr'}><slot name="logo"></slot>
      ${body}${this.#renderBanner()}<p class="visually-hidden" role="status" aria-live="polite">${this.#announcement(view)}</p></div>`;
  }

  #announcement(view: View): string {
    switch (view) {
      case 'phone':
        return this.t.continueOnPhone;
      case 'processing':
        return this.t.processing;
      case 'completed':
        return this.#status.snapshot?.outcome === 'manual_review' ? this.t.manualReview : this.t.verified;
      case 'ended':
        return this.#endedMessage();
      default:
        return this.#status.fault?.recoverable ? this.t.reconnecting : '';
    }
  }

  /**
   * Writes the time left into the countdown's text, which no template owns: a tick of the page's
   * one clock changes that text only, never re-rendering the element. The clock is held while a
   * countdown shows and runs, and released when it leaves, reaches zero or the element goes.
   */
  #paintCountdown(now: number): void {
    const node = this.renderRoot.querySelector('[part="time-left"]');
    const seconds = secondsUntil(this.#status.snapshot?.expiresAt, now);
    if (!node || seconds === undefined) return this.#stopCountdown();
    const text = seconds > 0 ? this.t.timeLeft(formatDuration(seconds, this.#language)) : this.t.expiredShort;
    if (node.textContent !== text) node.textContent = text;
    if (seconds === 0) this.#stopCountdown();
    else this.#stopTicker ??= onSecond((at) => this.#paintCountdown(at));
  }

  #stopCountdown(): void {
    this.#stopTicker?.();
    this.#stopTicker = undefined;
  }

  #renderHandoff(): TemplateResult {
    const qr = this.#qr!;
    const seconds = secondsUntil(this.#status.snapshot?.expiresAt);
    return html`<h2>${this.t.title}</h2><slot name="intro"><p>${this.t.scanQr}</p></slot><svg part="qr" class="qr" role="img" aria-label=${this.t.qrAlt(qr.url)} viewBox="0 0 ${qr.size} ${qr.size}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"></rect><path d=${qr.path} fill="#000"></path></svg><div class="actions"><a part="open-link" class="button primary" href=${qr.url} target="_blank" rel="noopener noreferrer">${this.t.openHere}</a><button part="copy-button" type="button" @click=${this.#handleCopy}>${this.copyState === 'copied' ? this.t.copied : this.t.copyLink}</button></div>
      ${this.copyState === 'failed' ? html`<p class="muted">${this.t.copyFailed}: <span>${qr.url}</span></p>` : nothing}
      ${seconds === undefined
        ? html`<p class="muted">${this.t.waiting}</p>`
        : html`<p part="time-left" class="muted"></p>`}
    `;
  }

  /** okID's hosted flow: the operator's slots, one sentence, and **Continue** to the portal in this tab. */
  #renderHosted(): TemplateResult {
    return html`<h2>${this.t.title}</h2><slot name="intro"></slot><p>${this.t.hostedHint}</p><div class="actions"><a part="continue-button" class="button primary" href=${this.#config!.hostedUrl}>${this.t.continue}</a></div>`;
  }

  #renderPhone(): TemplateResult {
    return html`<h2>${this.t.continueOnPhone}</h2><p class="muted">${this.t.continueOnPhoneHint}</p>
      ${this.#renderSteps()}`;
  }

  #renderSteps(): TemplateResult {
    const progress = this.#status.snapshot?.progress ?? {};
    const steps = PROGRESS_STEPS.filter((step) => progress[step] !== undefined);
    return html`<ol part="steps" class="steps">
      ${(steps.length ? steps : (['terms', 'document', 'liveness'] as const)).map((step) => {
        const state = progress[step] ?? 'pending';
        return html`<li data-step=${step} data-state=${state}>
          <span>${this.t.steps[step]}</span><span class="state">${state === 'completed' ? `✓ ${this.t.stepDone}` : this.t.stepPending}</span>
        </li>`;
      })}
    </ol>`;
  }

  #renderCompleted(): TemplateResult {
    return this.#status.snapshot?.outcome === 'manual_review'
      ? this.#renderMessage(this.t.manualReview, this.t.manualReviewHint, 'success')
      : this.#renderMessage(this.t.verified, '', 'success');
  }

  #endedMessage(): string {
    const fault = this.#status.fault;
    if (fault && !fault.recoverable) {
      if (fault.code === ErrorCode.VerificationNotFound) return this.t.notFound;
      if (fault.code === ErrorCode.AccessDenied) return this.t.accessDenied;
      return this.t.configInvalid;
    }
    const final = FINAL_ERRORS[this.#status.snapshot?.status as keyof typeof FINAL_ERRORS];
    return this.t[final?.message ?? 'failed'];
  }

  #renderEnded(): TemplateResult {
    const fault = this.#status.fault;
    const hint = fault && !fault.recoverable && fault.code === ErrorCode.ConfigInvalid ? fault.message : '';
    const offer = this.#restartOffer;
    const restart = !fault && offer?.available && offer.proxyUrl === this.#config!.proxyUrl
      ? html`<div class="actions"><button part="restart-button" class="primary" type="button" aria-disabled=${this.#restartState === 'busy'} @click=${this.#handleStartAgain}>${this.t.startAgain}</button></div>${this.#restartState === 'failed' ? html`<p class="muted" role="alert">${this.t.restartFailed}</p>` : nothing}`
      : nothing;
    return html`${this.#renderMessage(this.#endedMessage(), hint, 'error')}${restart}`;
  }

  #renderMessage(title: string, hint: string, tone: 'success' | 'error'): TemplateResult {
    return html`<p part="outcome" class="outcome ${tone}">${title}</p>${hint ? html`<p class="muted">${hint}</p>` : nothing}`;
  }

  #renderBanner(): TemplateResult | typeof nothing {
    const fault = this.#status.fault;
    // A phone that left the status for its capture choice no longer follows it.
    if (!fault?.recoverable || (this.#activeMode === 'capture' && this.#phonePath !== 'status')) return nothing;
    return html`<div part="banner" class="banner"><p>${this.t.reconnecting}</p><button part="retry-button" type="button" @click=${this.#handleRetry}>${this.t.retryNow}</button></div>`;
  }

  readonly #handleRetry = (): void => {
    this.#status.retryNow();
  };

  readonly #handleCopy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(this.#qr!.url);
      this.copyState = 'copied';
    } catch {
      this.copyState = 'failed';
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'okid-verify': OkidVerifyElement;
  }
}
