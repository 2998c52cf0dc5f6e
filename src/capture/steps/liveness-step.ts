/**
 * The face check step: the front camera, the face detector (native, bundled, or none and timed
 * prompts), one frame per prompt, and the camera-app way when the live check does not move on.
 */
import { faceCaptureKind, isFaceCaptureKind } from '../../core/capture-api.js';
import { startFrameLoop, withTimeout } from '../camera/frame-loop.js';
import { loadFaceDetector } from '../face/face-detector.js';
import type { FaceObservation } from '../face/face-geometry.js';
import { LivenessTracker } from '../face/liveness-tracker.js';
import { livenessConfirmed } from '../progress/resume.js';
import type { FaceGuidance } from '../face/liveness-tracker.js';
import { keepVideoAttached, showStepCamera } from './step-camera.js';
import type { StepHost } from './step.js';

const FACE_INTERVAL_MS = 150;
/** After this long on one face prompt, the camera-app path is offered beside the live check. */
const LIVENESS_HELP_AFTER_MS = 20_000;
/** One face detection that takes longer counts as a failure. */
const DETECT_TIMEOUT_MS = 4_000;
/** A detector that fails this many times in a row is dropped for timed prompts. */
const DETECTOR_FAILURES_MAX = 3;

/** The running face check of one step; everything it started ends when `signal` aborts. */
export class LivenessStep {
  /** Prompts done (0: the selfie is next). */
  index = 0;
  guidance?: FaceGuidance;
  /** The live check has not moved on for a while: offer the camera app. */
  offerFiles = false;
  private helpTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly flow: StepHost,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => clearTimeout(this.helpTimer), { once: true });
    void this.start();
  }

  private async start(): Promise<void> {
    const { camera } = this.flow;
    if (this.signal.aborted) return;
    // The detector downloads while the camera starts; the model sits in models/ beside the
    // capture chunk's entry (the build copies it there), for npm and script-tag builds alike.
    // This module is bundled into that entry chunk, so `import.meta.url` is the chunk's URL.
    const detector =
      this.flow.detector === undefined
        ? loadFaceDetector({ modelBaseUrl: new URL(/* @vite-ignore */ './models/', import.meta.url) }).catch(() => undefined)
        : Promise.resolve(this.flow.detector ?? undefined);
    await camera.start('user');
    this.flow.detector = (await detector) ?? null;
    const video = await showStepCamera(this.flow, this.signal);
    if (!video) return;
    this.flow.local.forget(isFaceCaptureKind);
    this.armHelp();
    startFrameLoop(this.signal, FACE_INTERVAL_MS, this.checker(video), () => keepVideoAttached(this.flow));
  }

  /** One look at the face per call: detect, advance the prompts, take a prompt's frame. */
  private checker(video: HTMLVideoElement): (now: number) => Promise<void> {
    const prompts = ['straight' as const, ...this.flow.prompts];
    let tracker = new LivenessTracker(prompts);
    let failures = 0;
    return async (now) => {
      if (!video.videoWidth) return;
      let faces: FaceObservation[] | undefined;
      const detector = this.flow.detector;
      if (detector) {
        faces = await withTimeout(detector.detect(video), DETECT_TIMEOUT_MS).catch(() => undefined);
        // A detector that keeps failing is dropped: timed prompts rather than a blocked user.
        failures = faces ? 0 : failures + 1;
        if (failures >= DETECTOR_FAILURES_MAX) {
          this.flow.detector = null;
          tracker = new LivenessTracker(prompts);
        }
        if (!faces) return;
      }
      if (this.signal.aborted) return;
      const state = tracker.update(faces, now);
      if (state.guidance !== this.guidance || state.index !== this.index) {
        if (state.index !== this.index) this.armHelp();
        this.guidance = state.guidance;
        this.index = state.index;
        this.flow.host.requestUpdate();
      }
      if (state.captureNow && !(await this.take(video, state.index))) return;
      if (!this.signal.aborted && (state.guidance === 'done' || this.allConfirmed())) this.flow.go({ name: 'sending' });
    };
  }

  /** Stores the frame of prompt `index`; false when it was lost (the check then starts over). */
  private async take(video: HTMLVideoElement, index: number): Promise<boolean> {
    try {
      await this.flow.store(faceCaptureKind(index), await this.flow.camera.capture(video));
      return true;
    } catch {
      // The frame for this prompt was lost: the face check starts over rather than miss it.
      if (!this.signal.aborted) this.flow.go({ name: 'liveness' });
      return false;
    }
  }

  private allConfirmed(): boolean {
    return this.flow.verification ? livenessConfirmed(this.flow.verification, this.flow.local.state) : false;
  }

  /** After a while with no progress (a face the detector cannot see), offer the camera app. */
  private armHelp(): void {
    clearTimeout(this.helpTimer);
    this.helpTimer = setTimeout(() => {
      if (this.signal.aborted) return;
      this.offerFiles = true;
      this.flow.host.requestUpdate();
    }, LIVENESS_HELP_AFTER_MS);
  }
}
