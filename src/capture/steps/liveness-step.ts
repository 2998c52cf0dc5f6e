/**
 * The face check step: the front camera, the face detector (native, bundled, or none and timed
 * prompts), one frame per prompt still missing, a hint of what to try when a prompt does not
 * pass, and the camera app for the photos still missing when the live check cannot follow.
 */
import { faceCaptureKind } from '../../core/capture-api.js';
import { encodeImage } from '../../controllers/encode-image.js';
import type { LivenessPrompt } from '../../core/capture-api.js';
import { startFrameLoop } from '../camera/frame-loop.js';
import { withTimeout } from '../../core/with-timeout.js';
import { FaceCoach } from '../face/face-coach.js';
import type { FaceHint } from '../face/face-coach.js';
import { loadFaceDetector } from '../face/face-detector.js';
import { DETECT_MEASURE, READY_MEASURE } from '../face/face-geometry.js';
import type { FaceDetectorLike, FaceObservation } from '../face/face-geometry.js';
import { LivenessTracker } from '../face/liveness-tracker.js';
import type { FaceGuidance, LivenessState } from '../face/liveness-tracker.js';
import { livenessConfirmed, missingFaceCaptures } from '../progress/resume.js';
import { FrameSampler, measureFrame } from '../quality.js';
import { keepVideoAttached, showStepCamera } from './step-camera.js';
import type { Step, StepHost } from './step.js';

const FACE_INTERVAL_MS = 150;
/**
 * A detector on the main thread (no worker here) gets the main thread back between looks: the
 * next look waits as long as the last one took, up to {@link MAIN_THREAD_IDLE_MAX_MS}, so taps
 * and the countdown get their turn at the cost of fewer looks a second.
 */
const MAIN_THREAD_IDLE_FACTOR = 1;
/** The longest pause between two looks on the main thread (a slow first look compiles shaders: no reason to wait as long again). */
const MAIN_THREAD_IDLE_MAX_MS = 400;
/** One face detection that takes longer counts as a failure (a worker's: {@link WORKER_DETECT_TIMEOUT_MS}). */
const DETECT_TIMEOUT_MS = 4_000;
/** A worker's detection freezes nothing: a slow one (the CPU backend on a slow phone, 4.4 s seen) is waited for longer before it counts as failed. */
const WORKER_DETECT_TIMEOUT_MS = 10_000;
/** A detector that fails this many times in a row is dropped for timed prompts. */
const DETECTOR_FAILURES_MAX = 3;

/** What one run of the live check keeps between looks. */
interface CheckRun {
  prompts: LivenessPrompt[];
  /** The face captures still missing when the check started, in order. */
  missing: number[];
  tracker: LivenessTracker;
  /** Detections that failed in a row. */
  failures: number;
}

/** The detector being loaded for a flow, from the face-check screen on (see {@link warmFaceCheck}). */
const loading = new WeakMap<StepHost, Promise<FaceDetectorLike | undefined>>();

/**
 * Starts loading (and, in the worker, warming) the face detector for `flow` while the person reads
 * the face-check screen, so that Start finds it ready. Idempotent: one load per flow; the step
 * takes it over. The model sits in models/ beside the capture chunk's entry (the build copies it
 * there), for npm and script-tag builds alike; this module is bundled into that entry chunk, so
 * `import.meta.url` is the chunk's URL.
 */
export function warmFaceCheck(flow: StepHost): Promise<FaceDetectorLike | undefined> {
  if (flow.detector !== undefined) return Promise.resolve(flow.detector ?? undefined);
  let pending = loading.get(flow);
  if (!pending) {
    const started = performance.now();
    pending = loadFaceDetector({ modelBaseUrl: new URL(/* @vite-ignore */ './models/', import.meta.url) })
      .catch(() => undefined)
      .then((detector) => {
        performance.measure(READY_MEASURE, { start: started, detail: { kind: detector?.kind ?? 'none', offMainThread: detector?.offMainThread ?? false } });
        return detector;
      });
    loading.set(flow, pending);
  }
  return pending;
}

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
  #coach = new FaceCoach();
  readonly #brightness = new FrameSampler(48);
  /** Face captures the live check left for the camera app, in order. */
  readonly skipped: number[] = [];
  #shown = '';
  readonly #flow: StepHost;
  readonly #signal: AbortSignal;

  constructor(flow: StepHost, signal: AbortSignal) {
    this.#flow = flow;
    this.#signal = signal;
    void this.#start();
  }

  /** The face captures still missing, in order (a selfie or a prompt already confirmed is kept). */
  #missing(): number[] {
    const flow = this.#flow.verification;
    if (!flow) return [0, ...this.#flow.prompts.map((_, i) => i + 1)];
    return missingFaceCaptures(flow, this.#flow.local.state);
  }

  async #start(): Promise<void> {
    const { camera } = this.#flow;
    if (this.#signal.aborted) return;
    const missing = this.#missing();
    if (!missing.length) return this.#flow.go({ name: 'sending' });
    this.index = this.#flow.prompts.length + 1 - missing.length;
    this.current = missing[0]!;
    // The detector has been loading since the face-check screen showed; the camera starts and
    // shows meanwhile (the person sees themselves while a slow phone still warms the model).
    const detector = warmFaceCheck(this.#flow);
    await camera.start('user');
    const video = await showStepCamera(this.#flow, this.#signal);
    if (!video) return;
    const loaded = await detector;
    if (this.#signal.aborted) return;
    if (this.#flow.detector === undefined) this.#flow.detector = loaded ?? null;
    startFrameLoop(this.#signal, FACE_INTERVAL_MS, this.#checker(video, missing), () => keepVideoAttached(this.#flow));
  }

  /** One look at the face per call, paced: a detector on the main thread leaves it idle between looks. */
  #checker(video: HTMLVideoElement, missing: number[]): (now: number) => Promise<void> {
    const prompts = missing.map((i) => promptOfCapture(this.#flow.prompts, i));
    const run: CheckRun = { prompts, missing, tracker: new LivenessTracker(prompts), failures: 0 };
    let nextLookAt = 0;
    return async (now) => {
      if (!video.videoWidth || now < nextLookAt) return;
      // The frame looked at is the one kept when its prompt passes, never a later one.
      const frame = await grabFrame(video);
      try {
        await this.#look(run, video, frame, now);
      } finally {
        if (frame !== video) (frame as ImageBitmap).close();
      }
      const detector = this.#flow.detector;
      const end = performance.timeOrigin + performance.now();
      if (detector && !detector.offMainThread) nextLookAt = end + Math.min(MAIN_THREAD_IDLE_MAX_MS, MAIN_THREAD_IDLE_FACTOR * (end - now));
    };
  }

  /** One look at `frame`: detect, advance the prompts, keep the frame of a prompt passed, leave a stuck one for later. */
  async #look(run: CheckRun, video: HTMLVideoElement, frame: ImageBitmap | HTMLVideoElement, now: number): Promise<void> {
    const { missing } = run;
    let faces: FaceObservation[] | undefined;
    const detector = this.#flow.detector;
    if (detector) {
      const asked = this.current;
      const started = performance.now();
      faces = await withTimeout(detector.detect(frame), detector.offMainThread ? WORKER_DETECT_TIMEOUT_MS : DETECT_TIMEOUT_MS).catch(() => undefined);
      // For whoever measures the page (the benchmark): each look, and which face capture it was for.
      performance.measure(DETECT_MEASURE, { start: started, detail: { capture: asked, found: faces?.length ?? -1, offMainThread: detector.offMainThread } });
      // A detector that keeps failing is dropped: timed prompts rather than a blocked user.
      run.failures = faces ? 0 : run.failures + 1;
      if (run.failures >= DETECTOR_FAILURES_MAX) {
        this.#flow.detector = null;
        run.tracker = new LivenessTracker(run.prompts);
        // The timed prompts start now: the time lost on the failing detector does not count against them.
        this.#coach = new FaceCoach();
      }
      if (!faces) return;
    }
    if (this.#signal.aborted) return;
    let state = run.tracker.update(faces, now);
    if (this.#coached(state, missing, faces && { faces, brightness: this.#measureBrightness(video) }, now)) {
      // No progress on this prompt for a while: the camera app takes it at the end; the live check goes on.
      run.tracker.skip();
      state = run.tracker.update(faces, now);
    }
    this.#show(state, missing);
    if (state.captureNow && !(await this.#take(video, frame, missing[state.index]!))) return;
    if (this.#signal.aborted) return;
    if (this.#allConfirmed()) this.#flow.go({ name: 'sending' });
    else if (state.guidance === 'done') this.#flow.go(this.#filesStep());
  }

  /** Tells the coach what is asked and seen; true when the prompt asked should be left for the camera app. */
  #coached(state: LivenessState, missing: number[], look: { faces: FaceObservation[]; brightness?: number } | undefined, now: number): boolean {
    this.#coach.ask(state.index, state.prompt, now);
    if (look) this.#coach.see(look, now);
    const advice = this.#coach.advice(now);
    this.hint = advice.hint;
    if (!advice.offerFiles || state.captureNow || state.prompt === undefined) return false;
    this.skipped.push(missing[state.index]!);
    this.#flow.emitStep('help_offered', { index: missing[state.index]!, prompt: state.prompt });
    this.offerFiles = true;
    return true;
  }

  /** Shows where the check is (a prompt passed or left for later moves the count on). */
  #show(state: LivenessState, missing: number[]): void {
    const done = this.#flow.prompts.length + 1 - missing.length + state.index;
    const current = missing[state.index] ?? this.current;
    const view = [state.guidance, done, current, this.hint, this.offerFiles].join();
    if (view === this.#shown) return;
    this.#shown = view;
    Object.assign(this, { guidance: state.guidance, index: done, current });
    this.#flow.host.requestUpdate();
  }

  /** The camera-app screen of the first face photo still missing. */
  #filesStep(): Step {
    const flow = this.#flow.verification;
    const next = flow ? missingFaceCaptures(flow, this.#flow.local.state)[0] : this.skipped[0];
    return next === undefined ? { name: 'sending' } : { name: 'liveness_files', index: next };
  }

  /** The frame's mean luma (0..255), on a tiny copy; undefined when it cannot be read. */
  #measureBrightness(video: HTMLVideoElement): number | undefined {
    try {
      return measureFrame(this.#brightness.sample(video, video.videoWidth, video.videoHeight)).brightness;
    } catch {
      return undefined;
    }
  }

  /** Stores `frame` as face capture `index`; false when it was lost (the check then starts again on what is missing). */
  async #take(video: HTMLVideoElement, frame: ImageBitmap | HTMLVideoElement, index: number): Promise<boolean> {
    try {
      const photo = frame instanceof ImageBitmap ? await encodeImage(frame, frame.width, frame.height) : await this.#flow.camera.capture(video);
      await this.#flow.store(faceCaptureKind(index), photo);
      this.#flow.emitStep('prompt_passed', { index, prompt: promptOfCapture(this.#flow.prompts, index) });
      return true;
    } catch {
      // The frame for this prompt was lost: the face check starts again on what is missing rather than miss it.
      if (!this.#signal.aborted) this.#flow.go({ name: 'liveness' });
      return false;
    }
  }

  #allConfirmed(): boolean {
    return this.#flow.verification ? livenessConfirmed(this.#flow.verification, this.#flow.local.state) : false;
  }
}

/** The frame the video shows now, as an `ImageBitmap` (the video itself where there is none). */
async function grabFrame(video: HTMLVideoElement): Promise<ImageBitmap | HTMLVideoElement> {
  if (typeof createImageBitmap !== 'function') return video;
  try {
    return await createImageBitmap(video);
  } catch {
    return video;
  }
}
