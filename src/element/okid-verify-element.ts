import { html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import type { ResolvedConfig } from '../core/config.js';
import { ErrorCode, isFinalStatus } from '../core/status.js';
import type { OkidCompleteDetail, OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import { onSecond, secondsUntil } from '../core/ticker.js';
import { StatusController } from '../controllers/status-controller.js';
import { PhoneStart } from './phone-start.js';
import { OkidCompleteEvent, OkidErrorEvent, OkidRestartEvent, OkidStatusEvent, OkidStepEvent } from './events.js';
import type { OkidRestartDetail } from './events.js';
import { stepDetail } from '../core/step-event.js';
import type { OkidStepFacts, OkidStepName } from '../core/step-event.js';
import { en } from '../i18n/en-element.js';
import type { Strings } from '../i18n/en-element.js';
import { isRightToLeft } from '../i18n/locale.js';
import { resolveLanguage } from './language.js';
import type { Locale } from '../i18n/locale.js';
import { loadTranslation } from '../i18n/load.js';
import type { TranslationModule } from '../i18n/load.js';
import { mergeStrings } from '../i18n/types.js';
import type { Translation } from '../i18n/types.js';
import { styles } from './styles.js';
import { CONFIG_KEYS, configure, startsOver } from './element-config.js';
import type { Configured } from './element-config.js';
import { OkidVerifyProperties } from './okid-verify-properties.js';
import { FINAL_ERRORS, announcementOf, callSafely, endedMessageOf, formatDuration, viewOf } from './view-state.js';
import type { View } from './view-state.js';
import type { QrPicture } from './views.js';
import { bannerView, captureLoadingView, completedView, endedView, handoffView, hostedView, messageView, phoneView, processingView } from './views.js';
import { RestartOffer } from './restart-offer.js';

/**
 * `<okid-verify>`: identity verification in one tag. On a desktop it shows a QR code that hands
 * the user off to their phone and follows the status through the operator's proxy; on a phone
 * (or `mode="capture"`) it runs the capture flow itself. Its attributes, properties, events,
 * slots, parts and CSS properties are listed in `okid-verify-properties.ts`.
 */
export class OkidVerifyElement extends OkidVerifyProperties {
  static override styles = styles;

  /** The language shown: the `locale` attribute, else the handoff URL's `lang`, else the nearest `lang`, else the browser's (language.ts). */
  #language: Locale = 'en';
  #translation?: TranslationModule;
  #t: Translation<Strings> = en;
  #config?: ResolvedConfig;
  #configError?: string;
  /** `auto` resolved once per configuration, so a view never flips under the user. */
  #activeMode?: 'handoff' | 'capture';
  /** Stops the page clock that moves the countdown; set while a countdown shows and runs. */
  #stopTicker?: () => void;
  #qr?: QrPicture;
  /** Verification ids whose final event was already fired: each fires exactly once. */
  readonly #finished = new Set<string>();
  #reportedConfigError?: string;
  /** The verification whose QR code was last reported shown (`qr_shown` fires once per verification). */
  #qrShownFor?: string;
  readonly #restart = new RestartOffer(this);

  readonly #phone: PhoneStart = new PhoneStart(this, {
    config: () => this.#config,
    inCapture: () => this.#activeMode === 'capture',
    watch: (config) => this.#status.watch(config.proxyUrl!, config.verificationId, this.pollInterval),
    stopWatching: () => this.#status.stop(),
    snapshot: (snapshot) => this.#handleSnapshot(snapshot),
    error: (detail) => this.#emitError(detail),
    step: (name, facts) => this.#emitStep(name, facts),
    words: () => ({ translation: this.#translation?.capture, overrides: this.strings }),
    loadFailedMessage: () => this.#t.captureLoadFailed,
  });

  readonly #status = new StatusController(this, {
    onSnapshot: (snapshot) => {
      this.#handleSnapshot(snapshot);
      this.#phone.statusSeen(snapshot.status);
    },
    onFault: (fault) => {
      if (this.#phone.reportsFault(fault)) this.#emitError(fault);
      this.#phone.statusSeen(undefined, fault);
    },
  });

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
    const language = resolveLanguage(this, this.locale);
    if (language !== this.#language) {
      this.#language = language;
      this.#translation = undefined;
      void loadTranslation(language).then((translation) => {
        if (this.#language !== language || !translation) return;
        this.#translation = translation;
        this.#t = mergeStrings(en, translation.element, this.strings);
        this.requestUpdate();
      });
    }
    this.#t = mergeStrings(en, this.#translation?.element, this.strings);
  }

  #updateConfig(changed: PropertyValues<this>): void {
    // The handoff URL carries the language: a new language draws a new QR code.
    if (!CONFIG_KEYS.some((key) => changed.has(key))) return;
    const previous: Configured = { config: this.#config, mode: this.#activeMode };
    const next = configure(this, this.#language, this.#qr);
    ({ config: this.#config, error: this.#configError, qr: this.#qr, mode: this.#activeMode } = next);
    const config = next.config;
    if (!startsOver(previous, next, changed.has('pollInterval'))) return;
    // A finished verification stays finished: changing poll-interval or proxy-url must not replay it.
    if (config && previous.config?.verificationId === config.verificationId && this.#finished.has(config.verificationId)) return;
    this.#status.stop();
    this.#phone.reset();
    this.#restart.state = 'idle';
    if (!config) return;
    if (this.#activeMode === 'capture') {
      this.#phone.start(config);
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
    const id = this.#config?.verificationId;
    if (this.#view === 'handoff' && id && this.#qrShownFor !== id) {
      this.#qrShownFor = id;
      this.#emitStep('qr_shown');
    }
  }

  #handleSnapshot(snapshot: StatusSnapshot): void {
    this.dispatchEvent(new OkidStatusEvent(snapshot));
    if (!isFinalStatus(snapshot.status) || this.#finished.has(snapshot.verificationId)) return;
    this.#finished.add(snapshot.verificationId);
    if (snapshot.status === 'completed') {
      const detail: OkidCompleteDetail = {
        verificationId: snapshot.verificationId,
        outcome: snapshot.outcome,
        snapshot,
      };
      this.dispatchEvent(new OkidCompleteEvent(detail));
      callSafely(this.onComplete, detail);
      return;
    }
    const final = FINAL_ERRORS[snapshot.status as keyof typeof FINAL_ERRORS];
    this.#emitError({ code: final.code, message: this.#t[final.message], recoverable: false, verificationId: snapshot.verificationId });
    this.#askRestartOffer();
  }

  /** A desktop only: a phone has no QR code to start again with. */
  #askRestartOffer(): void {
    const proxyUrl = this.#config?.proxyUrl;
    if (this.#activeMode === 'handoff' && proxyUrl) this.#restart.ask(proxyUrl);
  }

  /**
   * **Start again**: one new verification through the proxy's create route (its `create` hook
   * decides, from the operator's session, what it is for), then its QR code, then `okid-restart`.
   */
  readonly #handleStartAgain = async (): Promise<void> => {
    const config = this.#config!;
    if (this.#restart.state === 'busy') return;
    this.#restart.state = 'busy';
    this.requestUpdate();
    const previousVerificationId = config.verificationId;
    try {
      const { verificationId, verificationUrl } = await this.#restart.create(config.proxyUrl!);
      // The page moved to another verification meanwhile: that one wins.
      if (this.#config?.verificationId !== previousVerificationId) return;
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
    } catch (error) {
      if (this.#config?.verificationId !== previousVerificationId) return;
      this.#restart.state = 'failed';
      // create() rejects with the code the page hears; anything else thrown is a network fault.
      const code = error === ErrorCode.AccessDenied ? ErrorCode.AccessDenied : ErrorCode.Network;
      this.#emitError({ code, message: this.#t.restartFailed, recoverable: true, verificationId: previousVerificationId });
    } finally {
      if (this.#restart.state === 'busy') this.#restart.state = 'idle';
      this.requestUpdate();
    }
  };

  #emitError(detail: OkidErrorDetail): void {
    this.dispatchEvent(new OkidErrorEvent(detail));
    callSafely(this.onError, detail);
  }

  /** A funnel event (`okid-step` and `onStep`): a name and a few plain facts, no personal data. */
  #emitStep(name: OkidStepName, facts?: OkidStepFacts): void {
    const detail = stepDetail(name, this.#activeMode ?? 'handoff', this.#config?.verificationId, facts);
    this.dispatchEvent(new OkidStepEvent(detail));
    callSafely(this.onStep, detail);
  }

  get #view(): View {
    return viewOf({
      configured: this.#config !== undefined,
      mode: this.#activeMode,
      phonePath: this.#phone.path,
      snapshot: this.#status.snapshot,
      fault: this.#status.fault,
    });
  }

  protected override render(): TemplateResult {
    const view = this.#view;
    const { snapshot, fault } = this.#status;
    return html`<div part="base" lang=${this.#language} dir=${isRightToLeft(this.#language) ? 'rtl' : 'ltr'}><slot name="logo"></slot>
      ${this.#renderView(view)}${this.#renderBanner()}<p class="visually-hidden" role="status" aria-live="polite">${announcementOf(this.#t, view, snapshot, fault)}</p></div>`;
  }

  #renderView(view: View): TemplateResult {
    const t = this.#t;
    const { snapshot, fault } = this.#status;
    switch (view) {
      case 'config-error':
        return messageView(t.configInvalid, this.#configError ?? '', 'error');
      case 'capture':
        return this.#phone.render() ?? captureLoadingView(t, this.#phone.loadFailed, this.#phone.retry);
      case 'handoff':
        return handoffView(t, { qr: this.#qr!, copyState: this.copyState, counting: secondsUntil(snapshot?.expiresAt) !== undefined }, this.#handoffActions);
      case 'hosted':
        return hostedView(t, this.#config!.hostedUrl);
      case 'phone':
        return phoneView(t, snapshot?.progress);
      case 'processing':
        return processingView(t, snapshot?.progress);
      case 'completed':
        return completedView(t, snapshot?.outcome);
      case 'ended': {
        const hint = fault && !fault.recoverable && fault.code === ErrorCode.ConfigInvalid ? fault.message : '';
        const restart = this.#restart;
        const offered = !fault && restart.offeredFor(this.#config!.proxyUrl);
        return endedView(t, endedMessageOf(t, snapshot, fault), hint, offered ? { busy: restart.state === 'busy', failed: restart.state === 'failed', start: this.#handleStartAgain } : undefined);
      }
    }
  }

  /**
   * Writes the time left into the countdown's text, which no template owns: a tick of the page's
   * one clock changes that text only, never re-rendering the element. The clock is held while a
   * countdown shows and runs, and released when it leaves, reaches zero or the element goes.
   */
  #paintCountdown(now: number): void {
    // An update still pending when the element left runs after it: no clock for a removed element.
    const node = this.isConnected ? this.renderRoot.querySelector('[part="time-left"]') : null;
    const seconds = secondsUntil(this.#status.snapshot?.expiresAt, now);
    if (!node || seconds === undefined) return this.#stopCountdown();
    const text = seconds > 0 ? this.#t.timeLeft(formatDuration(seconds, this.#language)) : this.#t.expiredShort;
    if (node.textContent !== text) node.textContent = text;
    if (seconds === 0) this.#stopCountdown();
    else this.#stopTicker ??= onSecond((at) => this.#paintCountdown(at));
  }

  #stopCountdown(): void {
    this.#stopTicker?.();
    this.#stopTicker = undefined;
  }

  #renderBanner(): TemplateResult | typeof nothing {
    const fault = this.#status.fault;
    // A phone that left the status for its capture choice no longer follows it.
    if (!fault?.recoverable || (this.#activeMode === 'capture' && this.#phone.path !== 'status')) return nothing;
    return bannerView(this.#t, this.#handleRetry);
  }

  readonly #handleRetry = (): void => {
    this.#status.retryNow();
  };

  readonly #handoffActions = {
    openHere: (): void => this.#emitStep('opened_here'),
    copy: (): void => void this.#handleCopy(),
  };

  readonly #handleCopy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(this.#qr!.url);
      this.copyState = 'copied';
      this.#emitStep('link_copied');
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
