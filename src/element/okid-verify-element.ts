import { LitElement, html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { resolveConfig } from '../core/config.js';
import type { ResolvedConfig } from '../core/config.js';
import { ErrorCode, PROGRESS_STEPS, isFinalStatus } from '../core/status.js';
import type { OkidCompleteDetail, OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import { onSecond, secondsUntil } from '../core/ticker.js';
import { DEFAULT_POLL_INTERVAL_MS, StatusController } from '../controllers/status-controller.js';
import { isPhoneLike } from './device.js';
import { loadCaptureModule } from './load-capture.js';
import type { CaptureFlowLike, CaptureModule } from './load-capture.js';
import { OkidCompleteEvent, OkidErrorEvent, OkidStatusEvent } from './events.js';
import { qrPath } from './qr-code.js';
import { en } from './strings.js';
import type { Strings } from './strings.js';
import type { CaptureStrings } from '../capture/strings.js';
import { isRightToLeft, pickLocale } from '../i18n/locale.js';
import type { Locale } from '../i18n/locale.js';
import { loadTranslation } from '../i18n/load.js';
import type { TranslationModule } from '../i18n/load.js';
import { mergeStrings } from '../i18n/types.js';
import type { Overrides, Translation } from '../i18n/types.js';
import { styles } from './styles.js';

/** What the element shows; `render()` switches over it. */
type View = 'config-error' | 'handoff' | 'phone' | 'processing' | 'completed' | 'ended' | 'capture';

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
    handoffUrl: { attribute: 'handoff-url' },
    apiUrl: { attribute: 'api-url' },
    frontendUrl: { attribute: 'frontend-url' },
    flowName: { attribute: 'flow-name' },
    locale: {},
    returnUrl: { attribute: 'return-url' },
    pollInterval: { attribute: 'poll-interval', type: Number },
    onComplete: { attribute: false },
    onError: { attribute: false },
    strings: { attribute: false },
    now: { state: true },
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
  /**
   * The operator's own wording: any string of the element or of the capture flow, by key (see
   * the English tables in the README), in every language. Merged over the translation.
   */
  declare strings?: Overrides<Strings> & Overrides<CaptureStrings>;

  declare protected now: number;
  declare protected copyState: 'idle' | 'copied' | 'failed';

  /** The language shown: the `locale` attribute, else the nearest `lang`, else the browser's. */
  private language: Locale = 'en';
  private translation?: TranslationModule;
  private t: Translation<Strings> = en;
  private config?: ResolvedConfig;
  private configError?: string;
  /** `auto` resolved once per configuration, so a view never flips under the user. */
  private activeMode?: 'handoff' | 'capture';
  private capture?: CaptureFlowLike;
  private captureFailed = false;
  private qr?: { url: string; size: number; path: string };
  /** Verification ids whose final event was already fired: each fires exactly once. */
  private readonly finished = new Set<string>();
  private stopTicker?: () => void;
  private reportedConfigError?: string;

  private readonly status = new StatusController(this, {
    onSnapshot: (snapshot) => this.handleSnapshot(snapshot),
    onFault: (fault) => this.emitError(fault),
  });

  constructor() {
    super();
    this.mode = 'auto';
    this.pollInterval = DEFAULT_POLL_INTERVAL_MS;
    this.now = Date.now();
    this.copyState = 'idle';
  }

  /** The last status snapshot, if any. */
  get snapshot(): StatusSnapshot | undefined {
    return this.status.snapshot;
  }

  /** The verification id this element follows, once its configuration is valid. */
  get verificationId(): string | undefined {
    return this.config?.verificationId;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTicker = onSecond((now) => {
      this.now = now;
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || changed.has('locale') || changed.has('strings')) this.updateLanguage();
    this.updateConfig(changed);
  }

  private updateLanguage(): void {
    const language = pickLocale(this.locale || this.closest('[lang]')?.getAttribute('lang') || globalThis.navigator?.language);
    if (language !== this.language) {
      this.language = language;
      this.translation = undefined;
      void loadTranslation(language).then((translation) => {
        if (this.language !== language || !translation) return;
        this.translation = translation;
        this.t = mergeStrings(en, translation.element, this.strings);
        this.requestUpdate();
      });
    }
    this.t = mergeStrings(en, this.translation?.element, this.strings);
  }

  /** The capture flow's words: its translation and the operator's overrides (English lives in its chunk). */
  private readonly captureWords = (): { translation?: Translation<CaptureStrings>; overrides?: object } => ({
    translation: this.translation?.capture,
    overrides: this.strings,
  });

  private updateConfig(changed: PropertyValues<this>): void {
    const configKeys = ['processToken', 'verificationUrl', 'proxyUrl', 'mode', 'handoffUrl', 'apiUrl', 'frontendUrl', 'returnUrl', 'pollInterval'] as const;
    if (!configKeys.some((key) => changed.has(key))) return;
    const previous = this.config;
    const previousMode = this.activeMode;
    const result = resolveConfig(this, document.baseURI);
    let config = result.ok ? result.config : undefined;
    this.configError = result.ok ? undefined : result.message;
    if (config && this.qr?.url !== config.handoffUrl) {
      try {
        this.qr = { url: config.handoffUrl, ...qrPath(config.handoffUrl) };
      } catch {
        // A QR code holds about 2,300 bytes at error correction M.
        this.qr = undefined;
        config = undefined;
        this.configError = 'The handoff URL is too long for a QR code: shorten handoff-url or verification-url.';
      }
    }
    this.config = config;
    this.activeMode = config ? (config.mode === 'auto' ? (isPhoneLike() ? 'capture' : 'handoff') : config.mode) : undefined;
    const restart =
      !config ||
      previous?.verificationId !== config.verificationId ||
      previous?.proxyUrl !== config.proxyUrl ||
      previousMode !== this.activeMode ||
      changed.has('pollInterval');
    if (!restart) return;
    // A finished verification stays finished: changing poll-interval or proxy-url must not replay it.
    if (config && previous?.verificationId === config.verificationId && this.finished.has(config.verificationId)) return;
    this.status.stop();
    this.disposeCapture();
    if (!config) return;
    if (this.activeMode === 'capture') {
      void this.startCapture(config);
    } else if (config.proxyUrl) {
      this.status.watch(config.proxyUrl, config.verificationId, this.pollInterval);
    }
  }

  protected override updated(): void {
    // Events are dispatched after rendering, so a listener sees the element in its new state.
    if (this.configError && this.reportedConfigError !== this.configError) {
      this.reportedConfigError = this.configError;
      this.emitError({ code: ErrorCode.ConfigInvalid, message: this.configError, recoverable: false });
    } else if (!this.configError) {
      this.reportedConfigError = undefined;
    }
  }

  private async startCapture(config: ResolvedConfig): Promise<void> {
    this.captureFailed = false;
    let module: CaptureModule;
    try {
      // The capture flow is a chunk of its own: a desktop page that shows the QR never loads it.
      module = await loadCaptureModule();
    } catch {
      if (this.config?.verificationId !== config.verificationId) return;
      this.captureFailed = true;
      this.requestUpdate();
      this.emitError({ code: ErrorCode.Network, message: this.t.captureLoadFailed, recoverable: true, verificationId: config.verificationId });
      return;
    }
    // Compare what matters: a later change to, say, return-url makes a new config object.
    if (this.config?.verificationId !== config.verificationId || this.activeMode !== 'capture' || this.capture) return;
    const root = this.renderRoot as ShadowRoot;
    const sheet = module.captureStyles.styleSheet;
    if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    this.capture = new module.CaptureFlow(this, this.config, {
      onSnapshot: (snapshot) => this.handleSnapshot(snapshot),
      onError: (detail) => this.emitError(detail),
      words: this.captureWords,
    });
    this.requestUpdate();
  }

  private disposeCapture(): void {
    this.capture?.dispose();
    this.capture = undefined;
  }

  private readonly handleCaptureRetry = (): void => {
    if (this.config) void this.startCapture(this.config);
  };

  private handleSnapshot(snapshot: StatusSnapshot): void {
    this.dispatchEvent(new OkidStatusEvent(snapshot));
    if (!isFinalStatus(snapshot.status) || this.finished.has(snapshot.verificationId)) return;
    this.finished.add(snapshot.verificationId);
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
    this.emitError({ code: final.code, message: this.t[final.message], recoverable: false, verificationId: snapshot.verificationId });
  }

  private emitError(detail: OkidErrorDetail): void {
    this.dispatchEvent(new OkidErrorEvent(detail));
    callSafely(this.onError, detail);
  }

  private get view(): View {
    if (!this.config) return 'config-error';
    if (this.activeMode === 'capture') return 'capture';
    const fault = this.status.fault;
    if (fault && !fault.recoverable) return 'ended';
    switch (this.status.snapshot?.status) {
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
        return 'handoff';
    }
  }

  protected override render(): TemplateResult {
    const view = this.view;
    let body: TemplateResult | typeof nothing;
    switch (view) {
      case 'config-error':
        body = this.renderMessage(this.t.configInvalid, this.configError ?? '', 'error');
        break;
      case 'capture':
        body = this.capture
          ? this.capture.render()
          : this.captureFailed
            ? html`${this.renderMessage(this.t.captureLoadFailed, '', 'error')}<button type="button" @click=${this.handleCaptureRetry}>${this.t.retryNow}</button>`
            : html`<p>${this.t.loading}</p>`;
        break;
      case 'handoff':
        body = this.renderHandoff();
        break;
      case 'phone':
        body = this.renderPhone();
        break;
      case 'processing':
        body = html`<h2>${this.t.processing}</h2>${this.renderSteps()}`;
        break;
      case 'completed':
        body = this.renderCompleted();
        break;
      case 'ended':
        body = this.renderEnded();
        break;
    }
    return html`<div part="base" lang=${this.language} dir=${isRightToLeft(this.language) ? 'rtl' : 'ltr'}>
      <slot name="logo"></slot>
      ${body}${this.renderBanner()}<p class="visually-hidden" role="status" aria-live="polite">${this.announcement(view)}</p>
    </div>`;
  }

  private announcement(view: View): string {
    switch (view) {
      case 'phone':
        return this.t.continueOnPhone;
      case 'processing':
        return this.t.processing;
      case 'completed':
        return this.status.snapshot?.outcome === 'manual_review' ? this.t.manualReview : this.t.verified;
      case 'ended':
        return this.endedMessage();
      default:
        return this.status.fault?.recoverable ? this.t.reconnecting : '';
    }
  }

  private renderHandoff(): TemplateResult {
    const qr = this.qr!;
    const seconds = secondsUntil(this.status.snapshot?.expiresAt, this.now);
    return html`
      <h2>${this.t.title}</h2>
      <slot name="intro"><p>${this.t.scanQr}</p></slot>
      <svg part="qr" class="qr" role="img" aria-label=${this.t.qrAlt(qr.url)} viewBox="0 0 ${qr.size} ${qr.size}" shape-rendering="crispEdges">
        <rect width="100%" height="100%" fill="#fff"></rect>
        <path d=${qr.path} fill="#000"></path>
      </svg>
      <div class="actions">
        <a part="open-link" class="button primary" href=${qr.url} target="_blank" rel="noopener noreferrer">${this.t.openHere}</a>
        <button part="copy-button" type="button" @click=${this.handleCopy}>${this.copyState === 'copied' ? this.t.copied : this.t.copyLink}</button>
      </div>
      ${this.copyState === 'failed' ? html`<p class="muted">${this.t.copyFailed}: <span>${qr.url}</span></p>` : nothing}
      ${seconds === undefined
        ? html`<p class="muted">${this.t.waiting}</p>`
        : html`<p part="time-left" class="muted">${seconds > 0 ? this.t.timeLeft(formatDuration(seconds, this.language)) : this.t.expiredShort}</p>`}
    `;
  }

  private renderPhone(): TemplateResult {
    return html`<h2>${this.t.continueOnPhone}</h2>
      <p class="muted">${this.t.continueOnPhoneHint}</p>
      ${this.renderSteps()}`;
  }

  private renderSteps(): TemplateResult {
    const progress = this.status.snapshot?.progress ?? {};
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

  private renderCompleted(): TemplateResult {
    return this.status.snapshot?.outcome === 'manual_review'
      ? this.renderMessage(this.t.manualReview, this.t.manualReviewHint, 'success')
      : this.renderMessage(this.t.verified, '', 'success');
  }

  private endedMessage(): string {
    const fault = this.status.fault;
    if (fault && !fault.recoverable) {
      if (fault.code === ErrorCode.VerificationNotFound) return this.t.notFound;
      if (fault.code === ErrorCode.AccessDenied) return this.t.accessDenied;
      return this.t.configInvalid;
    }
    const final = FINAL_ERRORS[this.status.snapshot?.status as keyof typeof FINAL_ERRORS];
    return this.t[final?.message ?? 'failed'];
  }

  private renderEnded(): TemplateResult {
    const fault = this.status.fault;
    const hint = fault && !fault.recoverable && fault.code === ErrorCode.ConfigInvalid ? fault.message : '';
    return this.renderMessage(this.endedMessage(), hint, 'error');
  }

  private renderMessage(title: string, hint: string, tone: 'success' | 'error'): TemplateResult {
    return html`<p part="outcome" class="outcome ${tone}">${title}</p>${hint ? html`<p class="muted">${hint}</p>` : nothing}`;
  }

  private renderBanner(): TemplateResult | typeof nothing {
    const fault = this.status.fault;
    if (!fault?.recoverable) return nothing;
    return html`<div part="banner" class="banner">
      <p>${this.t.reconnecting}</p>
      <button part="retry-button" type="button" @click=${this.handleRetry}>${this.t.retryNow}</button>
    </div>`;
  }

  private readonly handleRetry = (): void => {
    this.status.retryNow();
  };

  private readonly handleCopy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(this.qr!.url);
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
