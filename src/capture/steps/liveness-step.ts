/**
 * The face check step: the front camera, the face detector (native, bundled, or none and timed
 * prompts), one frame per prompt still missing, a hint of what to try when a prompt does not
 * pass, and the camera app for the photos still missing when the live check cannot follow.
 */
import { faceCaptureKind } from '../../core/capture-api.js';
import type { LivenessPrompt } from '../../core/capture-api.js';
import { startFrameLoop, withTimeout } from '../camera/frame-loop.js';
import { FaceCoach } from '../face/face-coach.js';
import type { FaceHint } from '../face/face-coach.js';
import { loadFaceDetector } from '../face/face-detector.js';
import type { FaceObservation } from '../face/face-geometry.js';
import { LivenessTracker } from '../face/liveness-tracker.js';
import type { FaceGuidance, LivenessState } from '../face/liveness-tracker.js';
import { livenessConfirmed, missingFaceCaptures } from '../progress/resume.js';
import { FrameSampler, measureFrame } from '../quality.js';
import { keepVideoAttached, showStepCamera } from './step-camera.js';
import type { Step, StepHost } from './step.js';

const FACE_INTERVAL_MS = 150;
/** One face detection that takes longer counts as a failure. */
const DETECT_TIMEOUT_MS = 4_000;
/** A detector that fails this many times in a row is dropped for timed prompts. */
const DETECTOR_FAILURES_MAX = 3;

/** The prompt of face capture `index`: the selfie (0) looks straight, then okID's prompts. */
export const promptOfCapture = (prompts: readonly LivenessPrompt[], index: number): LivenessPrompt =>
  index === 0 ? 'straight' : (prompts[index - 1] ?? 'straight');

/** The running face check of one step; everything it started ends when `signal` aborts. */
export class LivenessStep {
  /** Face photos done, those kept from before included (0: the selfie is next). */
  index = 0;
  /** The face capture asked for now: 0 the selfie, n the n-th prompt. */
  current = 0;
  guidance?: FaceGuidance;
  /** What to try, once the prompt has not passed for a while. */
  hint?: FaceHint;
  /** The live check left a prompt for later: offer the camera app for the photos still missing. */
  offerFiles = false;
  private readonly coach = new FaceCoach();
  private readonly brightness = new FrameSampler(48);
  /** Face captures the live check left for the camera app, in order. */
  readonly skipped: number[] = [];
  private shown = '';

  constructor(
    private readonly flow: StepHost,
    private readonly signal: AbortSignal,
  ) {
    void this.start();
  }

  /** The face captures still missing, in order (a selfie or a prompt already confirmed is kept). */
  private missing(): number[] {
    const flow = this.flow.verification;
    if (!flow) return [0, ...this.flow.prompts.map((_, i) => i + 1)];
    return missingFaceCaptures(flow, this.flow.local.state);
  }

  private async start(): Promise<void> {
    const { camera } = this.flow;
    if (this.signal.aborted) return;
    const missing = this.missing();
    if (!missing.length) return this.flow.go({ name: 'sending' });
    this.index = this.flow.prompts.length + 1 - missing.length;
    this.current = missing[0]!;
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
    startFrameLoop(this.signal, FACE_INTERVAL_MS, this.checker(video, missing), () => keepVideoAttached(this.flow));
  }

  /** One look at the face per call: detect, advance the prompts, take a prompt's frame, leave a stuck one for later. */
  private checker(video: HTMLVideoElement, missing: number[]): (now: number) => Promise<void> {
    const prompts = missing.map((i) => promptOfCapture(this.flow.prompts, i));
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
      let state = tracker.update(faces, now);
      if (this.coached(state, missing, faces && { faces, brightness: this.measureBrightness(video) }, now)) {
        // No progress on this prompt for a while: the camera app takes it at the end; the live check goes on.
        tracker.skip();
        state = tracker.update(faces, now);
      }
      this.show(state, missing);
      if (state.captureNow && !(await this.take(video, missing[state.index]!))) return;
      if (this.signal.aborted) return;
      if (this.allConfirmed()) this.flow.go({ name: 'sending' });
      else if (state.guidance === 'done') this.flow.go(this.filesStep());
    };
  }

  /** Tells the coach what is asked and seen; true when the prompt asked should be left for the camera app. */
  private coached(state: LivenessState, missing: number[], look: { faces: FaceObservation[]; brightness?: number } | undefined, now: number): boolean {
    this.coach.ask(state.index, state.prompt, now);
    if (look) this.coach.see(look, now);
    const advice = this.coach.advice(now);
    this.hint = advice.hint;
    if (!advice.offerFiles || state.captureNow || state.prompt === undefined) return false;
    this.skipped.push(missing[state.index]!);
    this.flow.emitStep('help_offered', { index: missing[state.index]!, prompt: state.prompt });
    this.offerFiles = true;
    return true;
  }

  /** Shows where the check is (a prompt passed or left for later moves the count on). */
  private show(state: LivenessState, missing: number[]): void {
    const done = this.flow.prompts.length + 1 - missing.length + state.index;
    const current = missing[state.index] ?? this.current;
    const view = [state.guidance, done, current, this.hint, this.offerFiles].join();
    if (view === this.shown) return;
    this.shown = view;
    Object.assign(this, { guidance: state.guidance, index: done, current });
    this.flow.host.requestUpdate();
  }

  /** The camera-app screen of the first face photo still missing. */
  private filesStep(): Step {
    const flow = this.flow.verification;
    const next = flow ? missingFaceCaptures(flow, this.flow.local.state)[0] : this.skipped[0];
    return next === undefined ? { name: 'sending' } : { name: 'liveness_files', index: next };
  }

  /** The frame's mean luma (0..255), on a tiny copy; undefined when it cannot be read. */
  private measureBrightness(video: HTMLVideoElement): number | undefined {
    try {
      return measureFrame(this.brightness.sample(video, video.videoWidth, video.videoHeight)).brightness;
    } catch {
      return undefined;
    }
  }

  /** Stores the frame of face capture `index`; false when it was lost (the check then starts again on what is missing). */
  private async take(video: HTMLVideoElement, index: number): Promise<boolean> {
    try {
      await this.flow.store(faceCaptureKind(index), await this.flow.camera.capture(video));
      this.flow.emitStep('prompt_passed', { index, prompt: promptOfCapture(this.flow.prompts, index) });
      return true;
    } catch {
      // The frame for this prompt was lost: the face check starts again on what is missing rather than miss it.
      if (!this.signal.aborted) this.flow.go({ name: 'liveness' });
      return false;
    }
  }

  private allConfirmed(): boolean {
    return this.flow.verification ? livenessConfirmed(this.flow.verification, this.flow.local.state) : false;
  }
}
