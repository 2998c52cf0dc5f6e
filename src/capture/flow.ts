/**
 * The phone's side of a verification, run by `<okid-verify>` in capture mode: a small step
 * machine. Each step that runs something gets a controller built on entry with an `AbortSignal`
 * (steps/), aborted on exit; every screen is a pure view (views/); the camera, the face check,
 * the uploads and this phone's progress live in folders of their own. A visit (from loading the
 * flow to leaving the page, or to a stop) is a session with its own signal too: its upload queue
 * and every step it entered end with it.
 */
import type { LitElement, ReactiveController, TemplateResult } from 'lit';
import type { DocumentType, FlowConfig, LivenessPrompt } from '../core/capture-api.js';
import type { ResolvedConfig } from '../core/config.js';
import { ErrorCode, isFinalStatus } from '../core/status.js';
import { httpUrl } from '../core/verification-id.js';
import type { OkidStepFacts, OkidStepName } from '../core/step-event.js';
import { CameraController, cameraFaultMessage } from '../controllers/camera-controller.js';
import { CaptureApiError, CaptureClient } from './capture-client.js';
import type { FaceDetectorLike } from './face/face-geometry.js';
import { FormDraft } from './progress/form-draft.js';
import { LocalProgress } from './progress/local-progress.js';
import { formPending, resumePoint } from './progress/resume.js';
import { UploadQueue } from './upload/upload-queue.js';
import type { UploadQueueState } from './upload/upload-queue.js';
import { FlowActions } from './flow-actions.js';
import type { CaptureCallbacks } from '../controllers/capture-contract.js';
import type { FlowState, StepController } from './flow-state.js';
import { renderFlow } from './flow-view.js';
import { DocumentStep } from './steps/document-step.js';
import { FormStep } from './steps/form-step.js';
import { CAMERA_FAULT_CODES, apiFailure } from './steps/errors.js';
import { LivenessStep } from './steps/liveness-step.js';
import { cameraOf, objectUrlOf, snapshotOf } from './steps/step.js';
import type { Step } from './steps/step.js';
import { RedirectCountdown, runProcessing, runSending } from './steps/wait-steps.js';
import { WordCache } from './views/words.js';
import type { CaptureWords } from './views/words.js';

export type { CaptureCallbacks } from '../controllers/capture-contract.js';

/** The capture flow, a reactive controller of the element that renders it. */
export class CaptureFlow implements ReactiveController, FlowState {
  step: Step = { name: 'loading' };
  /** The controller of the current step (camera steps, the result's countdown). */
  active: StepController;
  verification?: FlowConfig;
  queue?: UploadQueue;
  queueState: UploadQueueState = { pending: 0 };
  detector?: FaceDetectorLike | null;
  /** A user action is saving: buttons are disabled until it is done. */
  busy = false;
  /** A message for the current screen (a photo that could not be read or sent). */
  notice?: string;
  readonly camera: CameraController;
  readonly client: CaptureClient;
  readonly local: LocalProgress;
  readonly actions: FlowActions;
  readonly #wordCache: WordCache;
  #connected = false;
  /** This visit: aborted on disconnect, on a stop, and when the flow starts over. */
  #session = new AbortController();
  /** The current step: aborted when the flow leaves it (or the session ends). */
  #stepAbort = new AbortController();

  constructor(
    readonly host: LitElement,
    readonly config: ResolvedConfig,
    readonly callbacks: CaptureCallbacks,
  ) {
    this.camera = new CameraController(host);
    this.client = new CaptureClient(config.apiUrl, config.verificationId);
    this.local = new LocalProgress(config.verificationId);
    this.#wordCache = new WordCache(() => callbacks.words?.());
    this.actions = new FlowActions(this);
    host.addController(this);
    if (host.isConnected) this.hostConnected();
  }

  /** The words shown: English, the element's translation, the operator's overrides. */
  get words(): CaptureWords {
    return this.#wordCache.get();
  }

  get prompts(): LivenessPrompt[] {
    return this.verification?.liveness.prompts ?? [];
  }

  hostConnected(): void {
    if (this.#connected) return;
    this.#connected = true;
    void this.begin();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#session.abort();
    this.camera.stop();
    const url = objectUrlOf(this.step);
    if (url) URL.revokeObjectURL(url);
  }

  /** Ends everything and detaches from the host (the element's configuration changed). */
  dispose(): void {
    this.hostDisconnected();
    this.camera.hostDisconnected();
    this.host.removeController(this.camera);
    this.host.removeController(this);
    this.detector?.close?.();
    this.detector = undefined;
  }

  /** The live camera's `<video>`, once rendered. */
  video(): HTMLVideoElement | undefined {
    return this.host.renderRoot.querySelector<HTMLVideoElement>('video[part="camera"]') ?? undefined;
  }

  /** Ends the current session (its queue, its step's work) and starts a new one. */
  newSession(): AbortSignal {
    this.#session.abort();
    this.#session = new AbortController();
    return this.#session.signal;
  }

  /** Loads the flow and continues where this verification is, in a new session. */
  async begin(): Promise<void> {
    const signal = this.newSession();
    this.go({ name: 'loading' });
    let flow: FlowConfig;
    try {
      flow = await this.client.loadFlow();
    } catch (error) {
      if (!signal.aborted) this.handleApiError(error);
      return;
    }
    if (signal.aborted) return;
    this.verification = flow;
    this.callbacks.onSnapshot(snapshotOf(flow));
    if (isFinalStatus(flow.status)) return this.finish(flow);
    if (flow.status === 'processing') return this.go({ name: 'processing' });
    const queue = await UploadQueue.open(this.config.verificationId, this.client);
    if (signal.aborted) return queue.close();
    this.queue = queue;
    const unsubscribe = queue.onChange((state) => {
      const refused = state.error && !state.error.retryable && state.error !== this.queueState.error;
      if (state.error?.retryable && state.error !== this.queueState.error) this.emitStep('upload_retried', { kind: this.queueState.uploading });
      this.queueState = state;
      if (refused) void this.handleUploadRefused(state.error!);
      this.host.requestUpdate();
    });
    signal.addEventListener('abort', () => {
      unsubscribe();
      queue.close();
      if (this.queue === queue) this.queue = undefined;
    });
    this.go(resumePoint(flow, this.local.state));
  }

  /**
   * The server refused an upload for good. A verification that ended or moved to another device
   * says so (one error, the matching code); a refused photo (too large, unreadable) is taken
   * again, with UPLOAD_FAILED for the page.
   */
  async handleUploadRefused(error: unknown): Promise<void> {
    if (!(error instanceof CaptureApiError) || error.code !== 'BAD_REQUEST') return this.handleApiError(error);
    this.callbacks.onError({ code: ErrorCode.UploadFailed, message: this.words.uploadProblem, recoverable: true, verificationId: this.config.verificationId });
    const signal = this.newSession();
    await UploadQueue.clear(this.config.verificationId).catch(() => undefined);
    if (signal.aborted) return;
    this.local.forget(() => true);
    this.notice = this.words.uploadProblem;
    void this.begin();
  }

  /** A capture API failure: its screen and `okid-error`, or a reload for a verification that finished. */
  handleApiError(error: unknown): void {
    const failure = apiFailure(error, this.words);
    if (failure.reload) return void this.begin();
    this.go({ name: 'blocked', message: failure.message, retry: failure.recoverable || undefined });
    this.callbacks.onError({ code: failure.code, message: failure.message, recoverable: failure.recoverable, verificationId: this.config.verificationId });
  }

  /** Moves to `step`: the previous step's work ends (its signal, its camera, its still's URL). */
  go(step: Step): void {
    // Every capture is in: a flow with a form the server does not have yet shows it first (okID's order).
    if (step.name === 'sending' && this.verification && formPending(this.verification)) step = { name: 'form' };
    const previous = this.step;
    const url = objectUrlOf(previous);
    if (url && url !== objectUrlOf(step)) URL.revokeObjectURL(url);
    this.#stepAbort.abort();
    const facing = cameraOf(step);
    if (!facing || (cameraOf(previous) && cameraOf(previous) !== facing)) {
      this.camera.stop();
      this.camera.detach();
    }
    this.step = step;
    const moved = step.name !== previous.name && previous.name !== 'loading';
    if (moved) this.notice = undefined;
    this.#stepAbort = this.#stepSignal();
    this.active = this.#enter(step, this.#stepAbort.signal);
    this.host.requestUpdate();
    // A new screen: move focus to its heading, so a screen reader starts there (not on the page's body).
    if (moved) void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: false }));
  }

  /** A step's abort controller, aborted with the session too. */
  #stepSignal(): AbortController {
    const step = new AbortController();
    const session = this.#session.signal;
    const end = (): void => step.abort();
    if (session.aborted) step.abort();
    else session.addEventListener('abort', end, { once: true });
    step.signal.addEventListener('abort', () => session.removeEventListener('abort', end), { once: true });
    return step;
  }

  /** Builds the controller of the step entered, if it runs anything. */
  #enter(step: Step, signal: AbortSignal): StepController {
    switch (step.name) {
      case 'document':
        return new DocumentStep(this, step, signal);
      case 'liveness':
        return new LivenessStep(this, signal);
      case 'form':
        return new FormStep(this, signal);
      case 'sending':
        void runSending(this, signal);
        return undefined;
      case 'processing':
        runProcessing(this, signal);
        return undefined;
      case 'result': {
        const returnUrl = this.returnUrl;
        return returnUrl ? new RedirectCountdown(this, returnUrl, signal) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The capture API's newer view of the verification (the page learns a changed status). */
  updateFlow(flow: FlowConfig): void {
    if (flow.status !== this.verification?.status) this.callbacks.onSnapshot(snapshotOf(flow));
    this.verification = flow;
  }

  /** The verification is final: nothing stays on the phone, the outcome shows. */
  finish(flow: FlowConfig): void {
    if (this.step.name === 'result') return;
    this.local.clear();
    new FormDraft(flow.verificationId).clear();
    void UploadQueue.clear(flow.verificationId);
    this.go({ name: 'result', snapshot: snapshotOf(flow) });
  }

  /** The element's return-url, else the one okID holds; only http(s). */
  get returnUrl(): string | undefined {
    const candidate = this.config.returnUrl ?? this.verification?.returnUrl;
    return candidate ? httpUrl(candidate)?.href : undefined;
  }

  /** Stores a confirmed capture for upload and remembers it across reloads. */
  async store(kind: string, blob: Blob): Promise<void> {
    await this.queue!.add(kind, blob);
    this.local.confirm(kind);
  }

  /** A funnel event for the page (`okid-step`). */
  emitStep(name: OkidStepName, facts?: OkidStepFacts): void {
    this.callbacks.onStep?.(name, facts);
  }

  /** The camera failed: the page learns why (recoverable: the file input still gets the person through). */
  reportCameraFault(): void {
    const fault = this.camera.fault!;
    this.callbacks.onError({ code: CAMERA_FAULT_CODES[fault.code], message: this.cameraFault()!, recoverable: true, verificationId: this.config.verificationId });
    this.host.requestUpdate();
  }

  /** The camera's fault in the page's language, worded for this browser (and app); none while it works. */
  cameraFault(): string | undefined {
    const fault = this.camera.fault;
    if (!fault) return undefined;
    const words = this.words.cameraFaults;
    if (fault.stopped) return words.stopped;
    return cameraFaultMessage(fault.code, this.camera.userAgent, this.camera.inAppBrowser, words);
  }

  /** The document type chosen (an ID card until one is). */
  get documentType(): DocumentType {
    return this.local.documentType ?? 'id_card';
  }

  render(): TemplateResult {
    return renderFlow(this, this.actions);
  }
}
