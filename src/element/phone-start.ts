/**
 * A phone's way through a verification (capture mode): the status first, when there is a proxy
 * (a person whom okID's `return_url` brought back sees the outcome, never a new flow), then the
 * embedded capture flow, or okID's hosted portal where the embedded flow is not available.
 */
import type { LitElement, TemplateResult } from 'lit';
import type { ResolvedConfig } from '../core/config.js';
import { ErrorCode, isFinalStatus } from '../core/status.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import type { OkidStepFacts, OkidStepName } from '../core/step-event.js';
import { loadCaptureModule } from './load-capture.js';
import type { CaptureFlowHandle, CaptureModule } from '../controllers/capture-contract.js';
import type { PhonePath } from './view-state.js';

/** What {@link PhoneStart} needs of the element. */
export interface PhoneStartHost {
  /** The element's configuration now (it may change while a chunk loads). */
  config(): ResolvedConfig | undefined;
  /** Whether the element is (still) in capture mode. */
  inCapture(): boolean;
  /** Follows the status through the proxy, or stops following it. */
  watch(config: ResolvedConfig): void;
  stopWatching(): void;
  snapshot(snapshot: StatusSnapshot): void;
  error(detail: OkidErrorDetail): void;
  step(name: OkidStepName, facts?: OkidStepFacts): void;
  /** The capture flow's words: its translation and the operator's overrides. */
  words(): { translation?: object; overrides?: object };
  /** The message of a capture chunk that could not load. */
  loadFailedMessage(): string;
}

export class PhoneStart {
  path: PhonePath | undefined;
  /** The capture chunk could not load (and `capture` is not `auto`): a retry is offered. */
  loadFailed = false;
  #flow?: CaptureFlowHandle;
  /** The capture API answered the embedded flow once: from then on its faults are the flow's own. */
  #answered = false;
  /** Counts starts, so a late answer of a replaced start changes nothing. */
  #run = 0;

  readonly #element: LitElement;
  readonly #host: PhoneStartHost;

  constructor(element: LitElement, host: PhoneStartHost) {
    this.#element = element;
    this.#host = host;
  }

  /** Whether a status fault is the page's to hear now (while checking, only a final one is). */
  reportsFault(fault: OkidErrorDetail): boolean {
    return this.path !== 'checking' || !fault.recoverable;
  }

  /** The running embedded flow's view, if it runs. */
  render(): TemplateResult | undefined {
    return this.#flow && this.path === 'embedded' ? this.#flow.render() : undefined;
  }

  /** Ends whatever runs (a new configuration, the element leaving); a later answer changes nothing. */
  reset(): void {
    this.#dispose();
    this.#run++;
    this.path = undefined;
  }

  /** A phone's start: the status first when there is a proxy, else the capture choice at once. */
  start(config: ResolvedConfig): void {
    this.path = 'checking';
    // The capture chunk downloads while the status is read, not after: the first screen needs both.
    if (config.capture !== 'hosted') loadCaptureModule().catch(() => undefined);
    if (config.proxyUrl) this.#host.watch(config);
    else void this.#choose(config);
  }

  /**
   * The first status a phone reads decides: a final or processing verification is followed to
   * its outcome; one not found or refused ends there; anything else (an unreachable proxy too:
   * the capture side may still work, and reports its own faults) goes on to the capture choice.
   */
  statusSeen(status: StatusSnapshot['status'] | undefined, fault?: OkidErrorDetail): void {
    if (this.path !== 'checking') return;
    if (fault ? !fault.recoverable : isFinalStatus(status!) || status === 'processing') {
      this.path = 'status';
      return;
    }
    this.#host.stopWatching();
    void this.#choose(this.#host.config()!);
  }

  /** Tries to load the capture chunk again after it failed. */
  readonly retry = (): void => {
    const config = this.#host.config();
    if (config) void this.#startEmbedded(config);
  };

  /** `hosted` offers the portal at once; `embedded` and `auto` start the embedded flow, whose first answer decides for `auto`. */
  async #choose(config: ResolvedConfig): Promise<void> {
    this.path = config.capture === 'hosted' ? 'hosted' : 'embedded';
    this.#element.requestUpdate();
    if (this.path === 'embedded') await this.#startEmbedded(config);
  }

  /** Shows okID's hosted portal instead of the embedded flow (`capture="auto"` only). */
  #fallBackToHosted(): void {
    this.#dispose();
    this.loadFailed = false;
    this.path = 'hosted';
    this.#element.requestUpdate();
  }

  /**
   * The embedded flow's faults. Under `capture="auto"`, a first answer of "no such flow" (okID
   * publishes no capture API: 404) or no answer at all (CORS, network) means the hosted portal;
   * once the flow answered, or with `capture="embedded"`, every fault is the page's to hear.
   */
  #captureError(detail: OkidErrorDetail, run: number): void {
    if (run !== this.#run) return;
    const unavailable = detail.code === ErrorCode.VerificationNotFound || detail.code === ErrorCode.Network;
    if (this.#host.config()?.capture === 'auto' && !this.#answered && unavailable) return this.#fallBackToHosted();
    this.#host.error(detail);
  }

  async #startEmbedded(config: ResolvedConfig): Promise<void> {
    const run = this.#run;
    this.loadFailed = false;
    let module: CaptureModule;
    try {
      // The capture flow is a chunk of its own: a desktop page that shows the QR never loads it.
      module = await loadCaptureModule();
    } catch {
      if (run !== this.#run) return;
      // okID's portal needs no chunk: under `auto` it is the way on when ours cannot load.
      if (config.capture === 'auto') return this.#fallBackToHosted();
      this.loadFailed = true;
      this.#element.requestUpdate();
      this.#host.error({ code: ErrorCode.Network, message: this.#host.loadFailedMessage(), recoverable: true, verificationId: config.verificationId });
      return;
    }
    // Compare what matters: a later change to, say, return-url makes a new config object.
    if (run !== this.#run || !this.#host.inCapture() || this.path !== 'embedded' || this.#flow) return;
    const root = this.#element.renderRoot as ShadowRoot;
    const sheet = module.captureStyles.styleSheet;
    if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    this.#flow = new module.CaptureFlow(this.#element, this.#host.config()!, {
      onSnapshot: (snapshot) => {
        if (run !== this.#run) return;
        this.#answered = true;
        this.#host.snapshot(snapshot);
      },
      onError: (detail) => this.#captureError(detail, run),
      onStep: (name, facts) => run === this.#run && this.#host.step(name, facts),
      words: () => this.#host.words(),
    });
    this.#element.requestUpdate();
  }

  #dispose(): void {
    this.#flow?.dispose();
    this.#flow = undefined;
    this.#answered = false;
  }
}
