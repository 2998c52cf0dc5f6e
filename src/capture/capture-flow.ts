/**
 * The phone's side of a verification, run by `<okid-verify>` in capture mode: terms, the ID
 * document (type, front, back), the face check, uploads that survive reloads, submit, result.
 * This module is the capture chunk's entry: a desktop page that only shows the QR code never
 * loads it. The element orchestrates; the camera, quality, face and upload modules do the work.
 */
import { html, nothing } from 'lit';
import type { LitElement, ReactiveController, TemplateResult } from 'lit';
import type { DocumentType, FlowConfig, LivenessPrompt } from '../core/capture-api.js';
import type { ResolvedConfig } from '../core/config.js';
import { ErrorCode, isFinalStatus } from '../core/status.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import { onSecond } from '../core/ticker.js';
import { CameraController, cameraFaultMessage } from '../controllers/camera-controller.js';
import type { CameraFault, CameraFaultDetail } from '../controllers/camera-controller.js';
import { CaptureApiError, CaptureClient } from './capture-client.js';
import { LivenessTracker, loadFaceDetector } from './face.js';
import type { FaceDetectorLike } from './face.js';
import { FrameSampler, SteadyGate, adviseFrame, measureFrame } from './quality.js';
import type { FrameAdvice } from './quality.js';
import { captureEn } from '../i18n/en-capture.js';
import type { CaptureStrings } from '../i18n/en-capture.js';
import { mergeStrings } from '../i18n/types.js';
import type { Translation } from '../i18n/types.js';
import { UploadQueue } from './upload-queue.js';
import { forgetVerification, progressStorageKey } from './forget.js';
import { livenessConfirmed, resumePoint, sidesOf } from './resume.js';
import type { LocalState } from './resume.js';

export { captureStyles } from './capture-styles.js';

type Side = 'front' | 'back';

type Step =
  | { name: 'loading' }
  | { name: 'blocked'; message: string; retry?: boolean }
  | { name: 'terms' }
  | { name: 'document_type' }
  | { name: 'document'; side: Side }
  | { name: 'review'; side: Side; blob: Blob; url: string }
  | { name: 'liveness_intro' }
  | { name: 'liveness' }
  | { name: 'liveness_files'; index: number }
  | { name: 'sending' }
  | { name: 'processing' }
  | { name: 'result'; snapshot: StatusSnapshot }
  /** "Stop the verification?", over the step the person was on (kept whole, to go back to). */
  | { name: 'stop_confirm'; from: Step }
  /** The cancel call did not get through: the verification is still open. */
  | { name: 'stop_failed' }
  | { name: 'stopped' };

/** The screens that offer the stop link: every capture step before submit. */
const STOPPABLE: ReadonlySet<Step['name']> = new Set(['terms', 'document_type', 'document', 'review', 'liveness_intro', 'liveness', 'liveness_files']);

/** The object URL a step holds (a review's still, also while the stop confirmation is over it). */
const objectUrlOf = (step: Step): string | undefined =>
  step.name === 'review' ? step.url : step.name === 'stop_confirm' ? objectUrlOf(step.from) : undefined;

export interface CaptureCallbacks {
  /** Every status the phone learns (the element fires okid-status, okid-complete, okid-error). */
  onSnapshot(snapshot: StatusSnapshot): void;
  /** Faults of the capture itself: camera, network, uploads. */
  onError(detail: OkidErrorDetail): void;
  /** The element's current translation of these words, and the operator's overrides. */
  words?(): { translation?: object; overrides?: object };
}

/** How often the camera frame is checked, in milliseconds (10 checks a second is plenty for guidance). */
const QUALITY_INTERVAL_MS = 100;
const FACE_INTERVAL_MS = 150;
/** After this long on one face prompt, the camera-app path is offered beside the live check. */
const LIVENESS_HELP_AFTER_MS = 20_000;
/** On the back side, auto-capture waits this long unless the card visibly moved. */
const BACK_SIDE_ARM_MS = 2_000;
/** One face detection that takes longer counts as a failure. */
const DETECT_TIMEOUT_MS = 4_000;
/** How long the phone waits for the outcome before saying it cannot reach the service. */
const PROCESSING_MAX_MS = 10 * 60_000;

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
const PROCESSING_POLL_MS = 1500;
const REDIRECT_SECONDS = 3;
/** ID-1 cards (ID cards, driving licences) are 85.6 × 54 mm; passports' data page is close. */
const CARD_ASPECT = 85.6 / 54;

const CAMERA_FAULT_CODES: Record<CameraFault, ErrorCode> = {
  CAMERA_DENIED: ErrorCode.CameraDenied,
  CAMERA_UNAVAILABLE: ErrorCode.CameraUnavailable,
  CAMERA_BUSY: ErrorCode.CameraUnavailable,
  CAMERA_TIMEOUT: ErrorCode.CameraUnavailable,
  INSECURE_CONTEXT: ErrorCode.UnsupportedBrowser,
  IN_APP_BROWSER: ErrorCode.UnsupportedBrowser,
  UNSUPPORTED_BROWSER: ErrorCode.UnsupportedBrowser,
};

/** What this phone remembers of a verification across reloads (no images: those are in IndexedDB). */
class LocalProgress {
  /** The truth while the page lives; storage only carries it across reloads (and may be blocked). */
  private memory?: { documentType?: DocumentType; confirmed: string[] };
  constructor(private readonly id: string) {}
  private read(): { documentType?: DocumentType; confirmed: string[] } {
    if (!this.memory) {
      try {
        this.memory = JSON.parse(localStorage.getItem(progressStorageKey(this.id)) ?? '') as { documentType?: DocumentType; confirmed: string[] };
      } catch {
        this.memory = { confirmed: [] };
      }
    }
    return this.memory;
  }
  private write(value: { documentType?: DocumentType; confirmed: string[] }): void {
    this.memory = value;
    try {
      localStorage.setItem(progressStorageKey(this.id), JSON.stringify(value));
    } catch {
      // Storage full or blocked: the flow still works from memory; a reload starts the step again.
    }
  }
  get documentType(): DocumentType | undefined {
    return this.read().documentType;
  }
  set documentType(type: DocumentType | undefined) {
    this.write({ ...this.read(), documentType: type, confirmed: [] });
  }
  has(kind: string): boolean {
    return this.read().confirmed.includes(kind);
  }
  get state(): LocalState {
    const { documentType, confirmed } = this.read();
    return { documentType, confirmed: new Set(confirmed) };
  }
  confirm(kind: string): void {
    const value = this.read();
    if (!value.confirmed.includes(kind)) this.write({ ...value, confirmed: [...value.confirmed, kind] });
  }
  forget(kinds: (kind: string) => boolean): void {
    const value = this.read();
    this.write({ ...value, confirmed: value.confirmed.filter((kind) => !kinds(kind)) });
  }
  clear(): void {
    this.memory = { confirmed: [] };
    try {
      localStorage.removeItem(progressStorageKey(this.id));
    } catch {
      // nothing to clear
    }
  }
}

function snapshotOf(flow: FlowConfig): StatusSnapshot {
  const snapshot: StatusSnapshot = {
    verificationId: flow.verificationId,
    status: flow.status,
    progress: flow.progress,
    updatedAt: flow.updatedAt ?? new Date().toISOString(),
    expiresAt: flow.expiresAt,
  };
  if (flow.outcome) snapshot.outcome = flow.outcome;
  return snapshot;
}

/** Re-encodes a picked file as JPEG (the capture API takes JPEG; phones may hand over PNG). */
async function toJpeg(file: Blob, maxWidth = 1920): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, maxWidth / bitmap.width);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encode failed'))), 'image/jpeg', 0.92),
  );
}

export class CaptureFlow implements ReactiveController {
  step: Step = { name: 'loading' };

  /** The words shown: English, the element's translation, the operator's overrides. */
  private get t(): Translation<CaptureStrings> {
    const words = this.callbacks.words?.();
    const cache = this.wordsCache;
    if (cache && cache.translation === words?.translation && cache.overrides === words?.overrides) return cache.merged;
    const merged = mergeStrings(captureEn as Translation<CaptureStrings>, words?.translation, words?.overrides);
    this.wordsCache = { translation: words?.translation, overrides: words?.overrides, merged };
    return merged;
  }
  private wordsCache?: { translation?: object; overrides?: object; merged: Translation<CaptureStrings> };

  private readonly camera: CameraController;
  private readonly client: CaptureClient;
  private readonly local: LocalProgress;
  private flow?: FlowConfig;
  private queue?: UploadQueue;
  private queueState: { pending: number; retryAt?: number; error?: CaptureApiError; unsaved?: number } = { pending: 0 };
  private stopQueueListener?: () => void;
  private loopHandle?: number;
  private timer?: ReturnType<typeof setTimeout>;
  private stopTicker?: () => void;
  private now = Date.now();
  private advice?: FrameAdvice;
  private faceGuidance?: keyof typeof this.t.faceGuidance;
  private livenessIndex = 0;
  private detector?: FaceDetectorLike | null;
  private helpTimer?: ReturnType<typeof setTimeout>;
  private offerFiles = false;
  /** A user action is saving: buttons are disabled until it is done. */
  private busy = false;
  /** A message for the current screen (a photo that could not be read or sent). */
  private notice?: string;
  private connected = false;
  private run = 0;

  constructor(
    private readonly host: LitElement,
    private readonly config: ResolvedConfig,
    private readonly callbacks: CaptureCallbacks,
  ) {
    this.camera = new CameraController(host);
    this.client = new CaptureClient(config.apiUrl, config.verificationId);
    this.local = new LocalProgress(config.verificationId);
    host.addController(this);
    if (host.isConnected) this.hostConnected();
  }

  hostConnected(): void {
    if (this.connected) return;
    this.connected = true;
    void this.begin();
  }

  /** The live camera's <video>, once rendered. Queried, not referenced: a directive would need a Lit of its own. */
  private get videoElement(): HTMLVideoElement | undefined {
    return this.host.renderRoot.querySelector<HTMLVideoElement>('video[part="camera"]') ?? undefined;
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

  hostDisconnected(): void {
    this.connected = false;
    this.run++;
    this.teardown();
    this.camera.stop();
    const url = objectUrlOf(this.step);
    if (url) URL.revokeObjectURL(url);
  }

  /** Stops what a run started: loops, timers, the countdown, the upload queue and its listener. */
  private teardown(): void {
    this.stopLoop();
    clearTimeout(this.timer);
    clearTimeout(this.helpTimer);
    this.stopTicker?.();
    this.stopTicker = undefined;
    this.stopQueueListener?.();
    this.stopQueueListener = undefined;
    this.queue?.close();
    this.queue = undefined;
  }

  /**
   * Runs a user action once at a time: a second tap while the first is saving does nothing, and
   * the buttons say so (disabled) until it is done.
   */
  private async once(action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.host.requestUpdate();
    try {
      await action();
    } catch {
      this.notice = this.t.uploadProblem;
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  /* ------------------------------------------------------------------ flow */

  private async begin(): Promise<void> {
    const run = ++this.run;
    this.teardown();
    this.go({ name: 'loading' });
    let flow: FlowConfig;
    try {
      flow = await this.client.loadFlow();
    } catch (error) {
      if (run === this.run) this.handleApiError(error);
      return;
    }
    if (run !== this.run) return;
    this.flow = flow;
    this.callbacks.onSnapshot(snapshotOf(flow));
    if (isFinalStatus(flow.status)) return this.finish(flow);
    if (flow.status === 'processing') return this.waitForResult(run);

    this.queue = await UploadQueue.open(this.config.verificationId, this.client);
    if (run !== this.run) return this.queue.close();
    this.stopQueueListener = this.queue.onChange((state) => {
      const newError = state.error && !state.error.retryable && state.error !== this.queueState.error;
      this.queueState = state;
      if (newError) void this.handleUploadRefused(state.error!);
      this.host.requestUpdate();
    });
    this.go(this.resumeStep(flow));
  }

  /**
   * The server refused an upload for good. A verification that ended or moved to another device
   * says so (one error, the matching code); a refused photo (too large, unreadable) is taken
   * again, with UPLOAD_FAILED for the page.
   */
  private async handleUploadRefused(error: CaptureApiError): Promise<void> {
    if (error.code !== 'BAD_REQUEST') return this.handleApiError(error);
    const run = this.run;
    this.callbacks.onError({ code: ErrorCode.UploadFailed, message: this.t.uploadProblem, recoverable: true, verificationId: this.config.verificationId });
    this.teardown();
    await UploadQueue.clear(this.config.verificationId).catch(() => undefined);
    if (run !== this.run) return;
    this.local.forget(() => true);
    this.notice = this.t.uploadProblem;
    void this.begin();
  }

  /** Where a (re)opened flow continues: what the server has, plus what this phone already confirmed. */
  private resumeStep(flow: FlowConfig): Step {
    return resumePoint(flow, this.local.state);
  }

  private sidesOf(type: DocumentType): Side[] {
    return this.flow ? sidesOf(this.flow, type) : ['front', 'back'];
  }

  private get prompts(): LivenessPrompt[] {
    return this.flow?.liveness.prompts ?? [];
  }

  private livenessConfirmed(): boolean {
    return this.flow ? livenessConfirmed(this.flow, this.local.state) : false;
  }

  /** Moves to `step`, ending what the previous step had running (camera, loops, object URLs). */
  private go(step: Step): void {
    const previous = this.step;
    const url = objectUrlOf(previous);
    if (url && url !== objectUrlOf(step)) URL.revokeObjectURL(url);
    this.stopLoop();
    const needsCamera = (s: Step) => s.name === 'document' || s.name === 'liveness';
    const facing = (s: Step) => (s.name === 'liveness' ? 'user' : 'environment');
    if (!needsCamera(step) || (needsCamera(previous) && facing(previous) !== facing(step))) {
      this.camera.stop();
      this.camera.detach();
    }
    clearTimeout(this.helpTimer);
    this.step = step;
    this.offerFiles = false;
    this.advice = undefined;
    this.faceGuidance = undefined;
    if (step.name !== previous.name && previous.name !== 'loading') this.notice = undefined;
    this.host.requestUpdate();
    // A new screen: move focus to its heading, so a screen reader starts there (not on the page's body).
    if (step.name !== previous.name && previous.name !== 'loading') {
      void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: false }));
    }
    if (step.name === 'document') void this.startDocumentCamera();
    if (step.name === 'liveness') void this.startLiveness();
    if (step.name === 'sending') void this.send();
  }

  private handleApiError(error: unknown): void {
    const api = error instanceof CaptureApiError ? error : undefined;
    const id = this.config.verificationId;
    switch (api?.code) {
      case 'OTHER_DEVICE':
        this.go({ name: 'blocked', message: this.t.otherDevice });
        this.callbacks.onError({ code: ErrorCode.AccessDenied, message: this.t.otherDevice, recoverable: false, verificationId: id });
        return;
      case 'NOT_FOUND':
        this.go({ name: 'blocked', message: this.t.notFound });
        this.callbacks.onError({ code: ErrorCode.VerificationNotFound, message: this.t.notFound, recoverable: false, verificationId: id });
        return;
      case 'EXPIRED':
        this.go({ name: 'blocked', message: this.t.expired });
        this.callbacks.onError({ code: ErrorCode.VerificationExpired, message: this.t.expired, recoverable: false, verificationId: id });
        return;
      case 'FINISHED':
        // A reload after the end: load again to read the final status.
        void this.begin();
        return;
      default:
        this.go({ name: 'blocked', message: this.t.networkProblem, retry: true });
        this.callbacks.onError({ code: ErrorCode.Network, message: this.t.networkProblem, recoverable: true, verificationId: id });
    }
  }

  /* ---------------------------------------------------------------- stop */

  /** The stop link: asks first, over the current step, which is kept whole to go back to. */
  private readonly askStop = (): void => {
    const step = this.step;
    if (STOPPABLE.has(step.name)) this.go({ name: 'stop_confirm', from: step });
  };

  /**
   * "Go back" or Escape: the same step again, with what it had (a review keeps its still). A
   * copy, so that work the step had in flight before (a shot, a face loop) knows it is stale; a
   * camera step starts its camera again.
   */
  private readonly cancelStop = (): void => {
    if (this.step.name === 'stop_confirm' && !this.busy) this.go({ ...this.step.from } as Step);
  };

  private readonly handleStopKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    this.cancelStop();
  };

  /**
   * "Yes, stop": everything this phone runs ends first (camera, loops, uploads, polls), then okID
   * is told. Only its answer says the verification stopped: then what the phone kept is deleted
   * and the page learns `canceled`. A network failure says so and offers to try again; a refusal
   * (already submitted, finished, expired) shows what really happened instead.
   */
  private readonly confirmStop = (): Promise<void> =>
    this.once(async () => {
      if (this.step.name !== 'stop_confirm' && this.step.name !== 'stop_failed') return;
      // A new run: whatever the old one still had pending (a camera start, a poll) stays dead.
      const run = ++this.run;
      this.teardown();
      this.camera.stop();
      this.camera.detach();
      const id = this.config.verificationId;
      try {
        await this.client.cancel();
      } catch (error) {
        if (run !== this.run) return;
        const api = error instanceof CaptureApiError ? error : undefined;
        if (api && !api.retryable && api.code !== 'BAD_REQUEST') return void this.begin();
        this.go({ name: 'stop_failed' });
        this.callbacks.onError({ code: ErrorCode.Network, message: this.t.stopFailedBody, recoverable: true, verificationId: id });
        return;
      }
      // Canceled on okID's side: what this phone kept goes, even if the element moved on meanwhile.
      this.local.clear();
      await forgetVerification(id).catch(() => undefined);
      if (run !== this.run) return;
      this.go({ name: 'stopped' });
      // A stoppable step always follows a loaded flow; its progress is what okID holds.
      const { outcome: _, ...last } = snapshotOf(this.flow!);
      this.callbacks.onSnapshot({ ...last, status: 'canceled', updatedAt: new Date().toISOString() });
    });

  private readonly handleAccept = (): Promise<void> =>
    this.once(async () => {
      try {
        await this.client.acceptTerms();
      } catch (error) {
        return this.handleApiError(error);
      }
      if (this.step.name === 'terms') this.go(this.local.documentType ? { name: 'document', side: 'front' } : { name: 'document_type' });
    });

  private chooseDocument(type: DocumentType): void {
    this.local.documentType = type;
    this.go({ name: 'document', side: 'front' });
  }

  /* ------------------------------------------------------------ document */

  private async startDocumentCamera(): Promise<void> {
    const run = this.run;
    if (this.camera.state !== 'live' || this.camera.facingMode !== 'environment') await this.camera.start('environment');
    if (run !== this.run || this.step.name !== 'document') return;
    if (this.camera.fault) return this.reportCameraFault();
    await this.host.updateComplete;
    const video = this.videoElement;
    if (!video) return;
    this.camera.attach(video);
    const sampler = new FrameSampler(320);
    const gate = new SteadyGate(800);
    // For the back, the card must first leave the good-frame state (being turned over) or 2 s
    // pass, so the front still held up is not taken again as the back at once.
    let armed = this.step.side === 'front';
    const armAt = performance.now() + BACK_SIDE_ARM_MS;
    let adviceShownAt = 0;
    this.startLoop(QUALITY_INTERVAL_MS, async (now) => {
      if (!video.videoWidth) return;
      const frame = sampler.sample(video, video.videoWidth, video.videoHeight);
      const advice = adviseFrame(measureFrame(frame, this.guideRegion(frame.width, frame.height)));
      if (advice !== 'ok' || performance.now() >= armAt) armed = true;
      // Guidance changes at most every 0.7 s: a screen reader must not be flooded.
      if (advice !== this.advice && now - adviceShownAt > 700) {
        this.advice = advice;
        adviceShownAt = now;
        this.host.requestUpdate();
      }
      if (!armed) return gate.reset();
      if (gate.update(advice, now)) await this.shoot();
    });
  }

  /**
   * The document guide, in frame pixels: the overlay is 86% of the width of a 4:3 view cropped
   * from the centre of the frame (object-fit: cover), at the card's aspect.
   */
  private guideRegion(width: number, height: number) {
    const visibleWidth = Math.min(width, (height * 4) / 3);
    const w = Math.min(visibleWidth * 0.86, height * 0.86 * CARD_ASPECT);
    const h = w / CARD_ASPECT;
    return { x: Math.round((width - w) / 2), y: Math.round((height - h) / 2), width: Math.round(w), height: Math.round(h) };
  }

  private readonly shoot = async (): Promise<void> => {
    const step = this.step;
    const video = this.videoElement;
    if (step.name !== 'document' || !video || this.camera.state !== 'live') return;
    this.stopLoop();
    let blob: Blob;
    try {
      blob = await this.camera.capture(video);
    } catch {
      // The frame could not be taken (the camera went away): start the step's camera again.
      if (this.step === step) this.go({ ...step });
      return;
    }
    if (this.step !== step) return;
    this.go({ name: 'review', side: step.side, blob, url: URL.createObjectURL(blob) });
  };

  private readonly retake = (): void => {
    if (this.step.name === 'review') this.go({ name: 'document', side: this.step.side });
  };

  private readonly confirmPhoto = (): Promise<void> =>
    this.once(async () => {
      const step = this.step;
      if (step.name !== 'review') return;
      await this.store(`document_${step.side}`, step.blob);
      if (this.step !== step) return;
      const type = this.local.documentType ?? 'id_card';
      if (step.side === 'front' && this.sidesOf(type).includes('back')) this.go({ name: 'document', side: 'back' });
      else this.go(this.livenessConfirmed() ? { name: 'sending' } : { name: 'liveness_intro' });
    });

  private async store(kind: string, blob: Blob): Promise<void> {
    await this.queue!.add(kind, blob);
    this.local.confirm(kind);
  }

  private handleFile(event: Event, kind: string): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return Promise.resolve();
    return this.once(async () => {
      const step = this.step;
      let blob: Blob;
      try {
        blob = await toJpeg(file);
      } catch {
        this.notice = this.t.unreadablePhoto;
        return;
      }
      if (this.step !== step) return;
      if (kind === 'document_front' || kind === 'document_back') {
        this.camera.stop();
        this.go({ name: 'review', side: kind === 'document_front' ? 'front' : 'back', blob, url: URL.createObjectURL(blob) });
        return;
      }
      await this.store(kind, blob);
      if (this.step !== step) return;
      const index = step.name === 'liveness_files' ? step.index : 0;
      if (index < this.prompts.length) this.go({ name: 'liveness_files', index: index + 1 });
      else this.go({ name: 'sending' });
    });
  }

  /* ------------------------------------------------------------ liveness */

  private async startLiveness(): Promise<void> {
    const run = this.run;
    // The detector downloads while the camera starts; the model sits in models/ beside this
    // chunk's entry (the build copies it there), for npm and script-tag builds alike.
    const detector =
      this.detector === undefined
        ? loadFaceDetector({ modelBaseUrl: new URL(/* @vite-ignore */ './models/', import.meta.url) }).catch(() => undefined)
        : Promise.resolve(this.detector ?? undefined);
    await this.camera.start('user');
    this.detector = (await detector) ?? null;
    if (run !== this.run || this.step.name !== 'liveness') return;
    if (this.camera.fault) return this.reportCameraFault();
    await this.host.updateComplete;
    const video = this.videoElement;
    if (!video) return;
    this.camera.attach(video);
    this.local.forget((kind) => kind === 'selfie' || kind.startsWith('liveness_'));
    // The selfie is taken looking straight, before the prompts that okID chose for this verification.
    this.livenessIndex = 0;
    this.armLivenessHelp();
    let detectorFailures = 0;
    let tracker = new LivenessTracker(['straight', ...this.prompts], { detector: this.detector ?? undefined });
    const step = this.step;
    this.startLoop(FACE_INTERVAL_MS, async (now) => {
      if (!video.videoWidth) return;
      let faces: Awaited<ReturnType<FaceDetectorLike['detect']>> | undefined;
      if (this.detector) {
        faces = await withTimeout(this.detector.detect(video), DETECT_TIMEOUT_MS).catch(() => undefined);
        // A detector that keeps failing is dropped: timed prompts rather than a blocked user.
        detectorFailures = faces ? 0 : detectorFailures + 1;
        if (detectorFailures >= 3) {
          this.detector = null;
          tracker = new LivenessTracker(['straight', ...this.prompts]);
        }
        if (!faces) return;
      }
      if (this.step !== step) return;
      const state = tracker.update(faces, now);
      if (state.guidance !== this.faceGuidance || state.index !== this.livenessIndex) {
        if (state.index !== this.livenessIndex) this.armLivenessHelp();
        this.faceGuidance = state.guidance;
        this.livenessIndex = state.index;
        this.host.requestUpdate();
      }
      if (state.captureNow) {
        const kind = state.index === 0 ? 'selfie' : `liveness_${state.index - 1}`;
        try {
          await this.store(kind, await this.camera.capture(video));
        } catch {
          // The frame for this prompt was lost: the face check starts over rather than miss it.
          if (this.step === step) this.go({ name: 'liveness' });
          return;
        }
      }
      if (this.step === step && (state.guidance === 'done' || this.livenessConfirmed())) this.go({ name: 'sending' });
    });
  }

  /** After a while with no progress (a face the detector cannot see), offer the camera app. */
  private armLivenessHelp(): void {
    clearTimeout(this.helpTimer);
    this.helpTimer = setTimeout(() => {
      if (this.step.name !== 'liveness') return;
      this.offerFiles = true;
      this.host.requestUpdate();
    }, LIVENESS_HELP_AFTER_MS);
  }

  private reportCameraFault(): void {
    const fault = this.camera.fault!;
    this.callbacks.onError({
      code: CAMERA_FAULT_CODES[fault.code],
      message: this.faultMessage(fault),
      // The file picker still gets the user through.
      recoverable: true,
      verificationId: this.config.verificationId,
    });
    this.host.requestUpdate();
  }

  /** The camera's fault in the page's language, worded for this browser (and app). */
  private faultMessage(fault: CameraFaultDetail): string {
    const words = this.t.cameraFaults;
    if (fault.stopped) return words.stopped;
    return cameraFaultMessage(fault.code, this.camera.userAgent, this.camera.inAppBrowser, words);
  }

  /* ------------------------------------------------------- send, result */

  private async send(): Promise<void> {
    const run = this.run;
    try {
      await this.queue!.whenIdle();
      if (run !== this.run) return;
      await this.client.submit(this.local.documentType ?? 'id_card');
    } catch (error) {
      if (run !== this.run) return;
      if (error instanceof CaptureApiError && error.code === 'BAD_REQUEST' && error.missing?.length) {
        // The server lacks a capture this phone thought it had sent: take it again.
        this.local.forget((kind) => error.missing!.includes(kind));
        return this.go(this.resumeStep(this.flow!));
      }
      if (error instanceof CaptureApiError && error.code === 'BAD_REQUEST') return this.handleUploadRefused(error);
      return this.handleApiError(error);
    }
    void UploadQueue.clear(this.config.verificationId).catch(() => undefined);
    this.waitForResult(run);
  }

  private waitForResult(run: number): void {
    clearTimeout(this.timer);
    this.go({ name: 'processing' });
    const giveUpAt = Date.now() + PROCESSING_MAX_MS;
    const poll = async () => {
      try {
        const flow = await this.client.loadFlow();
        if (run !== this.run) return;
        if (flow.status !== this.flow?.status) this.callbacks.onSnapshot(snapshotOf(flow));
        this.flow = flow;
        if (isFinalStatus(flow.status)) return this.finish(flow);
      } catch (error) {
        if (run !== this.run) return;
        // Passing faults: keep asking. Anything that will not pass ends the wait with its reason.
        if (!(error instanceof CaptureApiError) || !error.retryable) return this.handleApiError(error);
      }
      if (run !== this.run) return;
      if (Date.now() > giveUpAt) return this.handleApiError(undefined);
      this.timer = setTimeout(poll, PROCESSING_POLL_MS);
    };
    this.timer = setTimeout(poll, PROCESSING_POLL_MS);
  }

  private finish(flow: FlowConfig): void {
    if (this.step.name === 'result') return;
    this.stopTicker?.();
    this.local.clear();
    void UploadQueue.clear(flow.verificationId);
    const snapshot = snapshotOf(flow);
    this.go({ name: 'result', snapshot });
    const returnUrl = this.returnUrl;
    if (!returnUrl) return;
    this.now = Date.now();
    const redirectAt = this.now + REDIRECT_SECONDS * 1000;
    this.stopTicker = onSecond((now) => {
      this.now = now;
      if (now >= redirectAt - 50) {
        this.stopTicker?.();
        location.assign(returnUrl);
      }
      this.host.requestUpdate();
    });
    this.redirectAt = redirectAt;
  }

  private redirectAt?: number;

  /** The element's return-url, else the one okID holds; only http(s). */
  private get returnUrl(): string | undefined {
    const candidate = this.config.returnUrl ?? this.flow?.returnUrl ?? undefined;
    if (!candidate) return undefined;
    try {
      const url = new URL(candidate);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
    } catch {
      return undefined;
    }
  }

  /* ---------------------------------------------------------------- loop */

  /** Runs `work` at most every `intervalMs`, on animation frames (so never in a hidden tab), one at a time. */
  private startLoop(intervalMs: number, work: (now: number) => Promise<void> | void): void {
    this.stopLoop();
    let last = 0;
    let busy = false;
    const run = this.run;
    const tick = (now: number) => {
      if (run !== this.run) return;
      this.loopHandle = requestAnimationFrame(tick);
      const video = this.videoElement;
      if (video && this.camera.stream && video.srcObject !== this.camera.stream) this.camera.attach(video);
      if (busy || now - last < intervalMs) return;
      last = now;
      busy = true;
      void Promise.resolve(work(performance.timeOrigin + now))
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    };
    this.loopHandle = requestAnimationFrame(tick);
  }

  private stopLoop(): void {
    if (this.loopHandle !== undefined) cancelAnimationFrame(this.loopHandle);
    this.loopHandle = undefined;
  }

  /* -------------------------------------------------------------- render */

  render(): TemplateResult {
    return html`${this.notice ? html`<p part="notice" class="banner" role="alert">${this.notice}</p>` : nothing}${this.renderStep()}${
      STOPPABLE.has(this.step.name)
        ? html`<button part="stop-button" class="link stop" type="button" @click=${this.askStop}>${this.t.stop}</button>`
        : nothing
    }`;
  }

  private renderStep(): TemplateResult {
    const step = this.step;
    switch (step.name) {
      case 'loading':
        return html`<p role="status">${this.t.loading}</p>`;
      case 'blocked':
        return html`<p part="outcome" class="outcome error">${step.message}</p>
          ${step.retry ? html`<button type="button" @click=${() => void this.begin()}>${this.t.retry}</button>` : nothing}`;
      case 'terms':
        return html`<h2 tabindex="-1">${this.t.termsTitle}</h2>
          <p>${this.t.termsBody}</p>
          <ul class="list">
            ${this.t.termsWhat.map((line) => html`<li>${line}</li>`)}
          </ul>
          <button part="primary-button" class="primary" type="button" ?disabled=${this.busy} @click=${this.handleAccept}>${this.t.accept}</button>`;
      case 'document_type':
        return html`<h2 tabindex="-1">${this.t.chooseDocument}</h2>
          <div class="choices">
            ${(this.flow?.documentTypes ?? []).map(
              (d) => html`<button part="choice" type="button" @click=${() => this.chooseDocument(d.type)}>${this.t.documentTypes[d.type]}</button>`,
            )}
          </div>`;
      case 'document':
        return this.renderDocumentCamera(step.side);
      case 'review':
        return html`<h2 tabindex="-1">${this.t.reviewTitle}</h2>
          <img part="review-image" class="still" src=${step.url} alt=${this.t.reviewAlt} />
          <p class="muted">${this.t.reviewHint}</p>
          <div class="actions">
            <button type="button" @click=${this.retake}>${this.t.retake}</button>
            <button part="primary-button" class="primary" type="button" ?disabled=${this.busy} @click=${this.confirmPhoto}>${this.t.usePhoto}</button>
          </div>`;
      case 'liveness_intro':
        return html`<h2 tabindex="-1">${this.t.livenessTitle}</h2>
          <p>${this.t.livenessBody}</p>
          <button part="primary-button" class="primary" type="button" @click=${() => this.go({ name: 'liveness' })}>${this.t.start}</button>`;
      case 'liveness':
        return this.renderLivenessCamera();
      case 'liveness_files':
        return this.renderFileStep(
          step.index === 0 ? 'selfie' : `liveness_${step.index - 1}`,
          this.t.filePrompt[step.index === 0 ? 'straight' : (this.prompts[step.index - 1] ?? 'straight')],
          'user',
        );
      case 'sending':
        return html`<h2 tabindex="-1">${this.t.submitting}</h2>
          <p role="status">${this.queueState.pending > 0 ? this.t.uploading(this.queueState.pending) : this.t.submitting}</p>
          ${this.queueState.unsaved
            ? html`<p class="banner">${this.t.keepPageOpen}</p>`
            : !navigator.onLine
              ? html`<p class="banner">${this.t.waitingForNetwork}</p>`
              : nothing}`;
      case 'processing':
        return html`<h2 tabindex="-1">${this.t.processing}</h2><p class="visually-hidden" role="status">${this.t.processing}</p>`;
      case 'result':
        return this.renderResult(step.snapshot);
      case 'stop_confirm':
        return html`<div class="stop-confirm" @keydown=${this.handleStopKey}>
          <h2 tabindex="-1">${this.t.stopTitle}</h2>
          <p>${this.t.stopBody}</p>
          <p class="muted" role="status">${this.busy ? this.t.stopping : ''}</p>
          <div class="actions">
            <button part="stop-back-button" type="button" ?disabled=${this.busy} @click=${this.cancelStop}>${this.t.stopBack}</button>
            <button part="stop-confirm-button" class="primary" type="button" ?disabled=${this.busy} @click=${this.confirmStop}>${this.t.stopConfirm}</button>
          </div>
        </div>`;
      case 'stop_failed':
        return html`<h2 tabindex="-1">${this.t.stopFailedTitle}</h2>
          <p class="banner" role="alert">${this.t.stopFailedBody}</p>
          <p class="muted" role="status">${this.busy ? this.t.stopping : ''}</p>
          <div class="actions">
            <button type="button" ?disabled=${this.busy} @click=${() => void this.begin()}>${this.t.stopResume}</button>
            <button part="stop-confirm-button" class="primary" type="button" ?disabled=${this.busy} @click=${this.confirmStop}>${this.t.retry}</button>
          </div>`;
      case 'stopped': {
        const returnUrl = this.returnUrl;
        // No countdown here: the person chose to leave, and goes when they are ready.
        return html`<h2 tabindex="-1">${this.t.stoppedTitle}</h2>
          <p part="outcome" class="outcome">${this.t.stoppedBody}</p>
          ${returnUrl
            ? html`<a part="return-link" class="button primary" href=${returnUrl}>${this.t.stoppedReturn}</a>`
            : html`<p class="muted">${this.t.stoppedHint}</p>`}`;
      }
    }
  }

  private renderDocumentCamera(side: Side): TemplateResult {
    const type = this.local.documentType ?? 'id_card';
    const fault = this.camera.fault;
    const title = this.t.sideTitle(this.t.documentTypes[type], side);
    if (fault) return this.renderFileStep(`document_${side}`, title, 'environment', this.faultMessage(fault));
    return html`<h2 tabindex="-1">${title}</h2>
      <div class="camera document">
        <video part="camera" playsinline muted autoplay aria-hidden="true"></video>
        <div class="guide card" aria-hidden="true"></div>
      </div>
      <p class="guidance" role="status" aria-live="polite">${this.advice ? this.t.advice[this.advice] : this.t.placeDocument}</p>
      <button part="shutter" class="primary shutter" type="button" @click=${this.shoot}>${this.t.shutter}</button>
      ${this.renderUploadNote()}`;
  }

  private renderLivenessCamera(): TemplateResult {
    const fault = this.camera.fault;
    if (fault) return this.renderFileStep('selfie', this.t.filePrompt.straight, 'user', this.faultMessage(fault));
    const total = this.prompts.length + 1;
    return html`<h2 tabindex="-1">${this.t.livenessTitle}</h2>
      <div class="camera face">
        <video part="camera" class="mirrored" playsinline muted autoplay aria-hidden="true"></video>
        <div class="guide oval" aria-hidden="true"></div>
      </div>
      <p class="muted">${this.t.promptLabel(Math.min(this.livenessIndex + 1, total), total)}</p>
      <progress part="progress" aria-label=${this.t.promptLabel(Math.min(this.livenessIndex + 1, total), total)} max=${total} value=${this.livenessIndex}></progress>
      <p class="guidance" role="status" aria-live="polite">${this.t.faceGuidance[this.faceGuidance ?? 'no_face']}</p>
      ${this.offerFiles
        ? html`<button type="button" @click=${() => this.go({ name: 'liveness_files', index: 0 })}>${this.t.useFileSelfie}</button>`
        : nothing}
      ${this.renderUploadNote()}`;
  }

  /** The path without a live camera: the phone's own camera app (or files) through the file picker. */
  private renderFileStep(kind: string, title: string, facing: 'user' | 'environment', problem?: string): TemplateResult {
    return html`<h2 tabindex="-1">${title}</h2>
      ${problem ? html`<p class="banner" role="alert">${problem}</p>` : nothing}
      <label part="file-button" class="button primary file">
        ${facing === 'user' ? this.t.useFileSelfie : this.t.useFile}
        <input type="file" accept="image/*" capture=${facing} @change=${(event: Event) => void this.handleFile(event, kind)} />
      </label>
      ${facing === 'environment' ? html`<p class="muted">${this.t.useFileHint}</p>` : nothing}
      ${problem ? html`<button type="button" @click=${() => this.go({ ...this.step } as Step)}>${this.t.cameraRetry}</button>` : nothing}`;
  }

  private renderUploadNote(): TemplateResult | typeof nothing {
    const { pending } = this.queueState;
    if (!pending) return nothing;
    // A capture this phone could not store is lost if the page goes: `waitingForNetwork` would promise otherwise.
    if (this.queueState.unsaved) return html`<p class="muted">${this.t.uploading(pending)} ${this.t.keepPageOpen}</p>`;
    return html`<p class="muted">${navigator.onLine ? this.t.uploading(pending) : this.t.waitingForNetwork}</p>`;
  }

  private renderResult(snapshot: StatusSnapshot): TemplateResult {
    const seconds = this.redirectAt ? Math.max(0, Math.ceil((this.redirectAt - this.now) / 1000)) : undefined;
    const redirect =
      seconds !== undefined && this.returnUrl
        ? html`<p role="timer" aria-live="off">${this.t.redirecting(seconds)}</p>
            <a part="return-link" class="button" href=${this.returnUrl}>${this.t.returnNow}</a>`
        : html`<p class="muted">${this.t.doneHint}</p>`;
    switch (snapshot.status) {
      case 'completed':
        return html`<p part="outcome" class="outcome success">${snapshot.outcome === 'manual_review' ? this.t.doneReview : this.t.doneVerified}</p>${redirect}`;
      case 'expired':
        return html`<p part="outcome" class="outcome error">${this.t.expired}</p>`;
      case 'canceled':
        return html`<p part="outcome" class="outcome error">${this.t.canceled}</p>`;
      default:
        return html`<p part="outcome" class="outcome error">${this.t.failed}</p>${redirect}`;
    }
  }
}
