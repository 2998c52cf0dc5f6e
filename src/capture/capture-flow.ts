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
import { CameraController } from '../controllers/camera-controller.js';
import type { CameraFault } from '../controllers/camera-controller.js';
import { CaptureApiError, CaptureClient } from './capture-client.js';
import { LivenessTracker, loadFaceDetector } from './face.js';
import type { FaceDetectorLike } from './face.js';
import { FrameSampler, SteadyGate, adviseFrame, measureFrame } from './quality.js';
import type { FrameAdvice } from './quality.js';
import { captureEn as t } from './strings.js';
import { UploadQueue } from './upload-queue.js';
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
  | { name: 'result'; snapshot: StatusSnapshot };

export interface CaptureCallbacks {
  /** Every status the phone learns (the element fires okid-status, okid-complete, okid-error). */
  onSnapshot(snapshot: StatusSnapshot): void;
  /** Faults of the capture itself: camera, network, uploads. */
  onError(detail: OkidErrorDetail): void;
}

/** How often the camera frame is checked, in milliseconds (10 checks a second is plenty for guidance). */
const QUALITY_INTERVAL_MS = 100;
const FACE_INTERVAL_MS = 150;
/** After this long on one face prompt, the camera-app path is offered beside the live check. */
const LIVENESS_HELP_AFTER_MS = 20_000;
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
  constructor(private readonly id: string) {}
  private read(): { documentType?: DocumentType; confirmed: string[] } {
    try {
      return JSON.parse(localStorage.getItem(`okid:progress:${this.id}`) ?? '') as { documentType?: DocumentType; confirmed: string[] };
    } catch {
      return { confirmed: [] };
    }
  }
  private write(value: { documentType?: DocumentType; confirmed: string[] }): void {
    try {
      localStorage.setItem(`okid:progress:${this.id}`, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the flow still works, a reload just starts the step again.
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
    try {
      localStorage.removeItem(`okid:progress:${this.id}`);
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

  private readonly camera: CameraController;
  private readonly client: CaptureClient;
  private readonly local: LocalProgress;
  private flow?: FlowConfig;
  private queue?: UploadQueue;
  private queueState: { pending: number; retryAt?: number; error?: CaptureApiError } = { pending: 0 };
  private stopQueueListener?: () => void;
  private loopHandle?: number;
  private timer?: ReturnType<typeof setTimeout>;
  private stopTicker?: () => void;
  private now = Date.now();
  private advice?: FrameAdvice;
  private faceGuidance?: keyof typeof t.faceGuidance;
  private livenessIndex = 0;
  private detector?: FaceDetectorLike | null;
  private livenessStuckSince = 0;
  private offerFiles = false;
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
    this.host.removeController(this.camera);
    this.host.removeController(this);
  }

  hostDisconnected(): void {
    this.connected = false;
    this.run++;
    this.stopLoop();
    clearTimeout(this.timer);
    this.stopTicker?.();
    this.stopQueueListener?.();
    this.queue?.close();
    this.queue = undefined;
    this.camera.stop();
    if (this.step.name === 'review') URL.revokeObjectURL(this.step.url);
  }

  /* ------------------------------------------------------------------ flow */

  private async begin(): Promise<void> {
    const run = ++this.run;
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
      this.queueState = state;
      if (state.error && !state.error.retryable) {
        this.callbacks.onError({ code: ErrorCode.UploadFailed, message: t.uploadProblem, recoverable: false, verificationId: flow.verificationId });
      }
      this.host.requestUpdate();
    });
    this.go(this.resumeStep(flow));
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
    if (previous.name === 'review' && step !== previous) URL.revokeObjectURL(previous.url);
    this.stopLoop();
    const needsCamera = (s: Step) => s.name === 'document' || s.name === 'liveness';
    const facing = (s: Step) => (s.name === 'liveness' ? 'user' : 'environment');
    if (!needsCamera(step) || (needsCamera(previous) && facing(previous) !== facing(step))) this.camera.stop();
    this.step = step;
    this.offerFiles = false;
    this.advice = undefined;
    this.faceGuidance = undefined;
    this.host.requestUpdate();
    if (step.name === 'document') void this.startDocumentCamera();
    if (step.name === 'liveness') void this.startLiveness();
    if (step.name === 'sending') void this.send();
  }

  private handleApiError(error: unknown): void {
    const api = error instanceof CaptureApiError ? error : undefined;
    const id = this.config.verificationId;
    switch (api?.code) {
      case 'OTHER_DEVICE':
        this.go({ name: 'blocked', message: t.otherDevice });
        this.callbacks.onError({ code: ErrorCode.AccessDenied, message: t.otherDevice, recoverable: false, verificationId: id });
        return;
      case 'NOT_FOUND':
        this.go({ name: 'blocked', message: t.notFound });
        this.callbacks.onError({ code: ErrorCode.VerificationNotFound, message: t.notFound, recoverable: false, verificationId: id });
        return;
      case 'EXPIRED':
        this.go({ name: 'blocked', message: t.expired });
        this.callbacks.onError({ code: ErrorCode.VerificationExpired, message: t.expired, recoverable: false, verificationId: id });
        return;
      case 'FINISHED':
        // A reload after the end: load again to read the final status.
        void this.begin();
        return;
      default:
        this.go({ name: 'blocked', message: t.networkProblem, retry: true });
        this.callbacks.onError({ code: ErrorCode.Network, message: t.networkProblem, recoverable: true, verificationId: id });
    }
  }

  private readonly handleAccept = async (): Promise<void> => {
    try {
      await this.client.acceptTerms();
    } catch (error) {
      return this.handleApiError(error);
    }
    this.go(this.local.documentType ? { name: 'document', side: 'front' } : { name: 'document_type' });
  };

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
    this.startLoop(QUALITY_INTERVAL_MS, async (now) => {
      if (!video.videoWidth) return;
      const frame = sampler.sample(video, video.videoWidth, video.videoHeight);
      const advice = adviseFrame(measureFrame(frame, this.guideRegion(frame.width, frame.height)));
      if (advice !== this.advice) {
        this.advice = advice;
        this.host.requestUpdate();
      }
      if (gate.update(advice, now)) await this.shoot();
    });
  }

  /** The document guide: 86% of the frame's width at the card's aspect, centred. */
  private guideRegion(width: number, height: number) {
    const w = Math.min(width * 0.86, height * 0.86 * CARD_ASPECT);
    const h = w / CARD_ASPECT;
    return { x: Math.round((width - w) / 2), y: Math.round((height - h) / 2), width: Math.round(w), height: Math.round(h) };
  }

  private readonly shoot = async (): Promise<void> => {
    const step = this.step;
    const video = this.videoElement;
    if (step.name !== 'document' || !video || this.camera.state !== 'live') return;
    this.stopLoop();
    const blob = await this.camera.capture(video);
    if (this.step !== step) return;
    this.go({ name: 'review', side: step.side, blob, url: URL.createObjectURL(blob) });
  };

  private readonly retake = (): void => {
    if (this.step.name === 'review') this.go({ name: 'document', side: this.step.side });
  };

  private readonly confirmPhoto = async (): Promise<void> => {
    const step = this.step;
    if (step.name !== 'review') return;
    await this.store(`document_${step.side}`, step.blob);
    const type = this.local.documentType ?? 'id_card';
    if (step.side === 'front' && this.sidesOf(type).includes('back')) this.go({ name: 'document', side: 'back' });
    else this.go(this.livenessConfirmed() ? { name: 'sending' } : { name: 'liveness_intro' });
  };

  private async store(kind: string, blob: Blob): Promise<void> {
    await this.queue!.add(kind, blob);
    this.local.confirm(kind);
  }

  private async handleFile(event: Event, kind: string): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const blob = await toJpeg(file);
    if (kind === 'document_front' || kind === 'document_back') {
      this.camera.stop();
      this.go({ name: 'review', side: kind === 'document_front' ? 'front' : 'back', blob, url: URL.createObjectURL(blob) });
      return;
    }
    await this.store(kind, blob);
    const index = this.step.name === 'liveness_files' ? this.step.index : 0;
    if (index < this.prompts.length) this.go({ name: 'liveness_files', index: index + 1 });
    else this.go({ name: 'sending' });
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
    const tracker = new LivenessTracker(['straight', ...this.prompts], { detector: this.detector ?? undefined });
    this.livenessIndex = 0;
    this.livenessStuckSince = Date.now();
    this.startLoop(FACE_INTERVAL_MS, async (now) => {
      if (!video.videoWidth) return;
      // No way forward for a while (a face the detector cannot see): offer the camera app instead.
      if (!this.offerFiles && Date.now() - this.livenessStuckSince > LIVENESS_HELP_AFTER_MS) {
        this.offerFiles = true;
        this.host.requestUpdate();
      }
      const faces = this.detector ? await this.detector.detect(video).catch(() => []) : undefined;
      if (this.step.name !== 'liveness') return;
      const state = tracker.update(faces, now);
      if (state.guidance !== this.faceGuidance || state.index !== this.livenessIndex) {
        if (state.index !== this.livenessIndex) this.livenessStuckSince = Date.now();
        this.faceGuidance = state.guidance;
        this.livenessIndex = state.index;
        this.host.requestUpdate();
      }
      if (state.captureNow) {
        const kind = state.index === 0 ? 'selfie' : `liveness_${state.index - 1}`;
        await this.store(kind, await this.camera.capture(video));
      }
      if (state.guidance === 'done' || this.livenessConfirmed()) this.go({ name: 'sending' });
    });
  }

  private reportCameraFault(): void {
    const fault = this.camera.fault!;
    this.callbacks.onError({
      code: CAMERA_FAULT_CODES[fault.code],
      message: fault.message,
      // The file picker still gets the user through.
      recoverable: true,
      verificationId: this.config.verificationId,
    });
    this.host.requestUpdate();
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
      return this.handleApiError(error);
    }
    await UploadQueue.clear(this.config.verificationId);
    this.waitForResult(run);
  }

  private waitForResult(run: number): void {
    this.go({ name: 'processing' });
    const poll = async () => {
      try {
        const flow = await this.client.loadFlow();
        if (run !== this.run) return;
        if (flow.status !== this.flow?.status) this.callbacks.onSnapshot(snapshotOf(flow));
        this.flow = flow;
        if (isFinalStatus(flow.status)) return this.finish(flow);
      } catch {
        // Keep asking: the result is decided on the server whatever happens here.
      }
      if (run === this.run) this.timer = setTimeout(poll, PROCESSING_POLL_MS);
    };
    this.timer = setTimeout(poll, PROCESSING_POLL_MS);
  }

  private finish(flow: FlowConfig): void {
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
      void Promise.resolve(work(performance.timeOrigin + now - Date.now() + Date.now()))
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
    const step = this.step;
    switch (step.name) {
      case 'loading':
        return html`<p role="status">${t.loading}</p>`;
      case 'blocked':
        return html`<p part="outcome" class="outcome error">${step.message}</p>
          ${step.retry ? html`<button type="button" @click=${() => void this.begin()}>${t.retry}</button>` : nothing}`;
      case 'terms':
        return html`<h2>${t.termsTitle}</h2>
          <p>${t.termsBody}</p>
          <ul class="list">
            ${t.termsWhat.map((line) => html`<li>${line}</li>`)}
          </ul>
          <button part="primary-button" class="primary" type="button" @click=${this.handleAccept}>${t.accept}</button>`;
      case 'document_type':
        return html`<h2>${t.chooseDocument}</h2>
          <div class="choices">
            ${(this.flow?.documentTypes ?? []).map(
              (d) => html`<button part="choice" type="button" @click=${() => this.chooseDocument(d.type)}>${t.documentTypes[d.type]}</button>`,
            )}
          </div>`;
      case 'document':
        return this.renderDocumentCamera(step.side);
      case 'review':
        return html`<h2>${t.reviewTitle}</h2>
          <img part="review-image" class="still" src=${step.url} alt=${t.reviewAlt} />
          <p class="muted">${t.reviewHint}</p>
          <div class="actions">
            <button type="button" @click=${this.retake}>${t.retake}</button>
            <button part="primary-button" class="primary" type="button" @click=${this.confirmPhoto}>${t.usePhoto}</button>
          </div>`;
      case 'liveness_intro':
        return html`<h2>${t.livenessTitle}</h2>
          <p>${t.livenessBody}</p>
          <button part="primary-button" class="primary" type="button" @click=${() => this.go({ name: 'liveness' })}>${t.start}</button>`;
      case 'liveness':
        return this.renderLivenessCamera();
      case 'liveness_files':
        return this.renderFileStep(
          step.index === 0 ? 'selfie' : `liveness_${step.index - 1}`,
          t.filePrompt[step.index === 0 ? 'straight' : (this.prompts[step.index - 1] ?? 'straight')],
          'user',
        );
      case 'sending':
        return html`<h2>${t.submitting}</h2>
          <p role="status">${this.queueState.pending > 0 ? t.uploading(this.queueState.pending) : t.submitting}</p>
          ${this.queueState.retryAt && !navigator.onLine ? html`<p class="banner">${t.waitingForNetwork}</p>` : nothing}`;
      case 'processing':
        return html`<h2 role="status">${t.processing}</h2>`;
      case 'result':
        return this.renderResult(step.snapshot);
    }
  }

  private renderDocumentCamera(side: Side): TemplateResult {
    const type = this.local.documentType ?? 'id_card';
    const fault = this.camera.fault;
    const title = t.sideTitle(t.documentTypes[type], side);
    if (fault) return this.renderFileStep(`document_${side}`, title, 'environment', fault.message);
    return html`<h2>${title}</h2>
      <div class="camera document">
        <video part="camera" playsinline muted autoplay aria-hidden="true"></video>
        <div class="guide card" aria-hidden="true"></div>
      </div>
      <p class="guidance" role="status" aria-live="polite">${this.advice ? t.advice[this.advice] : t.placeDocument}</p>
      <button part="shutter" class="primary shutter" type="button" @click=${this.shoot}>${t.shutter}</button>
      ${this.renderUploadNote()}`;
  }

  private renderLivenessCamera(): TemplateResult {
    const fault = this.camera.fault;
    if (fault) return this.renderFileStep('selfie', t.filePrompt.straight, 'user', fault.message);
    const total = this.prompts.length + 1;
    return html`<h2>${t.livenessTitle}</h2>
      <div class="camera face">
        <video part="camera" class="mirrored" playsinline muted autoplay aria-hidden="true"></video>
        <div class="guide oval" aria-hidden="true"></div>
      </div>
      <p class="muted">${t.promptLabel(Math.min(this.livenessIndex + 1, total), total)}</p>
      <progress part="progress" max=${total} value=${this.livenessIndex}></progress>
      <p class="guidance" role="status" aria-live="polite">${t.faceGuidance[this.faceGuidance ?? 'no_face']}</p>
      ${this.offerFiles
        ? html`<button type="button" @click=${() => this.go({ name: 'liveness_files', index: 0 })}>${t.useFileSelfie}</button>`
        : nothing}
      ${this.renderUploadNote()}`;
  }

  /** The path without a live camera: the phone's own camera app (or files) through the file picker. */
  private renderFileStep(kind: string, title: string, facing: 'user' | 'environment', problem?: string): TemplateResult {
    return html`<h2>${title}</h2>
      ${problem ? html`<p class="banner" role="alert">${problem}</p>` : nothing}
      <label part="file-button" class="button primary file">
        ${facing === 'user' ? t.useFileSelfie : t.useFile}
        <input type="file" accept="image/*" capture=${facing} @change=${(event: Event) => void this.handleFile(event, kind)} />
      </label>
      ${facing === 'environment' ? html`<p class="muted">${t.useFileHint}</p>` : nothing}
      ${problem ? html`<button type="button" @click=${() => this.go({ ...this.step } as Step)}>${t.cameraRetry}</button>` : nothing}`;
  }

  private renderUploadNote(): TemplateResult | typeof nothing {
    const { pending, retryAt } = this.queueState;
    if (!pending) return nothing;
    return html`<p class="muted">${retryAt && !navigator.onLine ? t.waitingForNetwork : t.uploading(pending)}</p>`;
  }

  private renderResult(snapshot: StatusSnapshot): TemplateResult {
    const seconds = this.redirectAt ? Math.max(0, Math.ceil((this.redirectAt - this.now) / 1000)) : undefined;
    const redirect =
      seconds !== undefined && this.returnUrl
        ? html`<p role="timer" aria-live="off">${t.redirecting(seconds)}</p>
            <a part="return-link" class="button" href=${this.returnUrl}>${t.returnNow}</a>`
        : html`<p class="muted">${t.doneHint}</p>`;
    switch (snapshot.status) {
      case 'completed':
        return html`<p part="outcome" class="outcome success">${snapshot.outcome === 'manual_review' ? t.doneReview : t.doneVerified}</p>${redirect}`;
      case 'expired':
        return html`<p part="outcome" class="outcome error">${t.expired}</p>`;
      case 'canceled':
        return html`<p part="outcome" class="outcome error">${t.canceled}</p>`;
      default:
        return html`<p part="outcome" class="outcome error">${t.failed}</p>${redirect}`;
    }
  }
}
