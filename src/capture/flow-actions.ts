/**
 * What the person does on the capture screens: agree, choose a document, keep or retake a photo,
 * pick a file, stop. Each is bound once, so the views get stable handlers.
 */
import { documentCaptureKind, faceCaptureKind, isFaceCaptureKind } from '../core/capture-api.js';
import type { DocumentType } from '../core/capture-api.js';
import { ErrorCode } from '../core/status.js';
import { fileToJpeg } from '../controllers/encode-image.js';
import { CaptureApiError } from './capture-client.js';
import type { FlowState } from './flow-state.js';
import { forgetVerification } from './progress/forget.js';
import { markStepDone, missingFaceCaptures, resumePoint, sidesOf } from './progress/resume.js';
import { STOPPABLE, snapshotOf } from './steps/step.js';
import type { Step } from './steps/step.js';

/** The handlers of the capture views, acting on `flow`. */
export class FlowActions {
  readonly #flow: FlowState;
  /** Face photos being saved from a pick: a second pick of the same one is ignored until it is kept. */
  readonly #saving = new Set<string>();

  constructor(flow: FlowState) {
    this.#flow = flow;
  }

  /** True while a picked photo of capture `kind` is being saved. */
  saving(kind: string): boolean {
    return this.#saving.has(kind);
  }

  /**
   * Runs a user action once at a time: a second tap while the first is saving does nothing, and
   * the buttons say so (disabled) until it is done.
   */
  async #once(action: () => Promise<void>): Promise<void> {
    const flow = this.#flow;
    if (flow.busy) return;
    flow.busy = true;
    flow.host.requestUpdate();
    try {
      await action();
    } catch {
      flow.notice = flow.words.uploadProblem;
    } finally {
      flow.busy = false;
      flow.host.requestUpdate();
    }
  }

  /** Loads the flow again (a network problem, or "continue" after a stop that failed). */
  readonly retry = (): void => void this.#flow.begin();

  readonly accept = (): Promise<void> =>
    this.#once(async () => {
      const flow = this.#flow;
      try {
        await flow.client.acceptTerms();
      } catch (error) {
        return flow.handleApiError(error);
      }
      flow.emitStep('terms_accepted');
      if (flow.verification) markStepDone(flow.verification, 'terms');
      if (flow.step.name === 'terms') flow.go(flow.verification ? resumePoint(flow.verification, flow.local.state) : { name: 'document_type' });
    });

  readonly chooseDocument = (type: DocumentType): void => {
    this.#flow.local.documentType = type;
    this.#flow.emitStep('document_chosen', { documentType: type });
    this.#flow.go({ name: 'document', side: 'front' });
  };

  readonly startLiveness = (): void => this.#flow.go({ name: 'liveness' });

  /** The same step again, which starts its camera again. */
  readonly retryCamera = (): void => this.#flow.go({ ...this.#flow.step } as Step);

  readonly shoot = (): void => {
    const active = this.#flow.active;
    if (active && 'shoot' in active) void active.shoot('manual');
  };

  /** The next camera facing back (**Switch camera**); the step shows it once live. */
  readonly switchCamera = (): void => void this.#flow.camera.switchCamera();

  /** **Light**: the torch on or off. */
  readonly toggleLight = (): void => void this.#flow.camera.setTorch(!this.#flow.camera.torchOn);

  readonly retake = (): void => {
    const step = this.#flow.step;
    if (step.name !== 'review') return;
    this.#flow.emitStep('retake', { side: step.side });
    this.#flow.go({ name: 'document', side: step.side });
  };

  readonly usePhoto = (): Promise<void> =>
    this.#once(async () => {
      const flow = this.#flow;
      const step = flow.step;
      if (step.name !== 'review') return;
      await flow.store(documentCaptureKind(step.side), step.blob);
      if (flow.step !== step) return;
      if (step.side === 'front' && (flow.verification ? sidesOf(flow.verification, flow.documentType) : ['front', 'back']).includes('back')) {
        flow.go({ name: 'document', side: 'back' });
      } else {
        // The next step of this flow: the face check, the form, or the submit.
        flow.go(flow.verification ? resumePoint(flow.verification, flow.local.state) : { name: 'liveness_intro' });
      }
    });

  /** A photo from the file input, for capture `kind`: re-encoded as JPEG, then reviewed (documents) or stored (face). */
  pickFile(event: Event, kind: string): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return Promise.resolve();
    // One photo per pick: a face photo already kept, or one still saving, is not stored again. A
    // second pick can reach here from a screen that is gone (the camera app answers late, Firefox
    // delivers both picks of a double tap) with the kind that screen offered.
    if (isFaceCaptureKind(kind) && (this.#saving.has(kind) || this.#flow.local.state.confirmed.has(kind))) return Promise.resolve();
    return this.#once(async () => {
      const flow = this.#flow;
      const step = flow.step;
      let blob: Blob;
      try {
        blob = await fileToJpeg(file);
      } catch {
        flow.notice = flow.words.unreadablePhoto;
        return;
      }
      if (flow.step !== step) return;
      flow.emitStep('file_used', { kind });
      if (kind === documentCaptureKind('front') || kind === documentCaptureKind('back')) {
        flow.camera.stop();
        flow.go({ name: 'review', side: kind === 'document_front' ? 'front' : 'back', blob, url: URL.createObjectURL(blob) });
        return;
      }
      this.#saving.add(kind);
      try {
        await flow.store(kind, blob);
      } finally {
        this.#saving.delete(kind);
      }
      // The live check may have ended meanwhile on the camera-app screen of this very photo: move past it too.
      const now = flow.step;
      if (now !== step && !(now.name === 'liveness_files' && faceCaptureKind(now.index) === kind)) return;
      // Only the face photos still missing are asked for: what the live check passed is kept.
      const next = flow.verification ? missingFaceCaptures(flow.verification, flow.local.state)[0] : undefined;
      flow.go(next === undefined ? { name: 'sending' } : { name: 'liveness_files', index: next });
    });
  }

  /** The stop link: asks first, over the current step, which is kept whole to go back to. */
  readonly askStop = (): void => {
    const step = this.#flow.step;
    if (STOPPABLE.has(step.name)) this.#flow.go({ name: 'stop_confirm', from: step });
  };

  /**
   * "Go back" or Escape: the same step again, with what it had (a review keeps its still). A
   * copy, so that work the step had in flight before (a shot, a face loop) knows it is stale; a
   * camera step starts its camera again.
   */
  readonly cancelStop = (): void => {
    const step = this.#flow.step;
    if (step.name === 'stop_confirm' && !this.#flow.busy) this.#flow.go({ ...step.from } as Step);
  };

  /**
   * "Yes, stop": everything this phone runs ends first (camera, loops, uploads, polls), then okID
   * is told. Only its answer says the verification stopped: then what the phone kept is deleted
   * and the page learns `canceled`. A network failure says so and offers to try again; a refusal
   * (already submitted, finished, expired) shows what really happened instead.
   */
  readonly confirmStop = (): Promise<void> =>
    this.#once(async () => {
      const flow = this.#flow;
      if (flow.step.name !== 'stop_confirm' && flow.step.name !== 'stop_failed') return;
      // A new session: whatever the old one still had pending (a camera start, a poll) stays dead.
      const signal = flow.newSession();
      flow.camera.stop();
      flow.camera.detach();
      const id = flow.config.verificationId;
      try {
        await flow.client.cancel();
      } catch (error) {
        if (signal.aborted) return;
        const api = error instanceof CaptureApiError ? error : undefined;
        if (api && !api.retryable && api.code !== 'BAD_REQUEST') return void flow.begin();
        flow.go({ name: 'stop_failed' });
        flow.callbacks.onError({ code: ErrorCode.Network, message: flow.words.stopFailedBody, recoverable: true, verificationId: id });
        return;
      }
      // Canceled on okID's side: what this phone kept goes, even if the element moved on meanwhile.
      flow.local.clear();
      await forgetVerification(id).catch(() => undefined);
      flow.emitStep('stopped');
      if (signal.aborted) return;
      flow.go({ name: 'stopped' });
      // A stoppable step always follows a loaded flow; its progress is what okID holds.
      const { outcome: _, ...last } = snapshotOf(flow.verification!);
      flow.callbacks.onSnapshot({ ...last, status: 'canceled', updatedAt: new Date().toISOString() });
    });
}
