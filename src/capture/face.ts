/**
 * The face check behind the liveness prompts, pluggable: the browser's own `FaceDetector` (Shape
 * Detection API) where it works, else a small detector bundled with the package and loaded only
 * when asked for (`./bundled-face-detector.ts`: face-api's tiny face detector and its 68-point
 * tiny landmark model, weights served from our own origin, never from a model hub), else none,
 * and the flow falls back to timed prompts rather than blocking the user.
 *
 * `LivenessTracker` turns what a detector sees into what the user is told and when a frame is
 * taken. It holds no timers: the caller feeds it observations and the time, at its own pace.
 */
import type { LivenessPrompt } from '../core/capture-api.js';

export type { LivenessPrompt } from '../core/capture-api.js';

/** One face in one frame. */
export interface FaceObservation {
  /** Bounding box, normalized 0..1 to the frame's width and height (x, y: top-left corner). */
  box: { x: number; y: number; width: number; height: number };
  /**
   * Head yaw in degrees when the detector can tell (it needs eyes and nose): 0 looking at the
   * camera, positive when the person turned to THEIR left (the nose moves to the right of an
   * unmirrored camera frame, which is what `getUserMedia` delivers; the mirroring of a selfie
   * view is CSS only). About ±30 at a clear turn.
   */
  yaw?: number;
}

/** A face detector the flow can use, whatever is behind it. */
export interface FaceDetectorLike {
  /** `native`: the browser's `FaceDetector`; `bundled`: our lazily loaded model. */
  readonly kind: 'native' | 'bundled';
  /** The faces in the frame `source` shows now, from an unmirrored frame. */
  detect(source: HTMLVideoElement | HTMLCanvasElement | ImageBitmap): Promise<FaceObservation[]>;
  /** Frees the model (GPU memory for the bundled one). */
  close?(): void;
}

export interface LoadFaceDetectorOptions {
  /** Use the browser's `FaceDetector` when it works (default true). */
  native?: boolean;
  /** Load the bundled detector when there is no native one (default true). */
  bundled?: boolean;
  /**
   * Where the bundled model's files are (`tiny_face_detector_model*` and
   * `face_landmark_68_tiny_model*`), a folder URL ending in `/`. Default: `models/` next to this
   * module in the built package, where the build copies them from `@vladmandic/face-api/model/`.
   */
  modelBaseUrl?: string | URL;
}

/**
 * The best face detector this browser can run, or `undefined` when there is none (the flow then
 * times its prompts). Never rejects.
 */
export async function loadFaceDetector(options: LoadFaceDetectorOptions = {}): Promise<FaceDetectorLike | undefined> {
  if (options.native !== false) {
    const native = await loadNativeFaceDetector();
    if (native) return native;
  }
  if (options.bundled === false) return undefined;
  try {
    // A chunk of its own: the model's code is downloaded only by a phone that needs it.
    const { loadBundledFaceDetector } = await import('./bundled-face-detector.js');
    return await loadBundledFaceDetector(options.modelBaseUrl ?? defaultModelBaseUrl());
  } catch {
    return undefined;
  }
}

function defaultModelBaseUrl(): string {
  return new URL(/* @vite-ignore */ './models/', import.meta.url).href;
}

interface NativeDetectedFace {
  boundingBox: DOMRectReadOnly;
  landmarks?: Array<{ type: string; locations: Array<{ x: number; y: number }> }>;
}
interface NativeFaceDetector {
  detect(source: CanvasImageSource): Promise<NativeDetectedFace[]>;
}
type NativeFaceDetectorConstructor = new (options?: { fastMode?: boolean; maxDetectedFaces?: number }) => NativeFaceDetector;

/**
 * The Shape Detection API's `FaceDetector`, if this browser has one that actually works: Chrome
 * exposes the constructor on platforms without a detection service (Linux), where `detect()`
 * then fails, so one probe on a blank canvas decides.
 */
export async function loadNativeFaceDetector(): Promise<FaceDetectorLike | undefined> {
  const Constructor = (globalThis as { FaceDetector?: NativeFaceDetectorConstructor }).FaceDetector;
  if (typeof Constructor !== 'function' || typeof document === 'undefined') return undefined;
  try {
    const detector = new Constructor({ fastMode: true, maxDetectedFaces: 3 });
    const probe = document.createElement('canvas');
    probe.width = probe.height = 32;
    probe.getContext('2d')?.fillRect(0, 0, 32, 32);
    await detector.detect(probe);
    return {
      kind: 'native',
      async detect(source) {
        const { width, height } = sourceSize(source);
        if (!width || !height) return [];
        const faces = await detector.detect(source);
        return faces.map((face) => observationOfNative(face, width, height));
      },
    };
  } catch {
    return undefined;
  }
}

function observationOfNative(face: NativeDetectedFace, width: number, height: number): FaceObservation {
  const { x, y, width: w, height: h } = face.boundingBox;
  const observation: FaceObservation = { box: { x: x / width, y: y / height, width: w / width, height: h / height } };
  const eyes = (face.landmarks ?? []).filter((l) => l.type === 'eye').map((l) => mean(l.locations));
  const nose = face.landmarks?.find((l) => l.type === 'nose');
  if (eyes.length === 2 && nose && nose.locations.length) {
    const [a, b] = eyes as [Point, Point];
    observation.yaw = yawFromLandmarks(a.x <= b.x ? a : b, a.x <= b.x ? b : a, mean(nose.locations));
  }
  return observation;
}

export interface Point {
  x: number;
  y: number;
}

/**
 * Nose depth in front of the eyes, as a share of the distance between the eyes (about 0.55 for
 * adults): the nose tip's sideways shift is depth × sin(yaw) while the eyes' distance shrinks by
 * cos(yaw), so yaw = atan(shift / (eye distance × NOSE_DEPTH)).
 */
const NOSE_DEPTH = 0.55;

/**
 * Head yaw in degrees from the eye on the left of the image, the eye on its right and the nose
 * tip, in the pixels of an unmirrored frame; positive when the person turned to their left.
 */
export function yawFromLandmarks(imageLeftEye: Point, imageRightEye: Point, noseTip: Point): number {
  const distance = Math.hypot(imageRightEye.x - imageLeftEye.x, imageRightEye.y - imageLeftEye.y);
  if (!distance) return 0;
  // The shift is measured along the eye line, so a tilted head (roll) does not read as a turn.
  const ux = (imageRightEye.x - imageLeftEye.x) / distance;
  const uy = (imageRightEye.y - imageLeftEye.y) / distance;
  const midX = (imageLeftEye.x + imageRightEye.x) / 2;
  const midY = (imageLeftEye.y + imageRightEye.y) / 2;
  const shift = (noseTip.x - midX) * ux + (noseTip.y - midY) * uy;
  return (Math.atan(shift / (distance * NOSE_DEPTH)) * 180) / Math.PI;
}

export function mean(points: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / (points.length || 1), y: y / (points.length || 1) };
}

/** Pixel size of a frame source. */
export function sourceSize(source: HTMLVideoElement | HTMLCanvasElement | ImageBitmap): { width: number; height: number } {
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) {
    return { width: source.videoWidth, height: source.videoHeight };
  }
  return { width: source.width, height: source.height };
}

/* -------------------------------------------------------------------------------------------- */

/** What to tell the user now. `look_up` and `look_down` are for the `up` and `down` prompts. */
export type FaceGuidance =
  | 'no_face'
  | 'move_closer'
  | 'center_face'
  | 'hold_still'
  | 'turn_left'
  | 'turn_right'
  | 'look_straight'
  | 'look_up'
  | 'look_down'
  | 'done';

export interface LivenessState {
  /** The prompt being asked for; undefined once all are done. */
  prompt?: LivenessPrompt;
  /** Its position in the prompt list (the list's length once done). */
  index: number;
  guidance: FaceGuidance;
  /** True on exactly one update per prompt: take the frame for prompt `index` now. */
  captureNow: boolean;
  /** 0..1 over all prompts, the current hold included. */
  progress: number;
}

export interface LivenessTrackerOptions {
  /** Used by `detectAndUpdate()`; `update()` takes observations from anywhere. */
  detector?: FaceDetectorLike;
  /** How long a prompt's pose must be held before its frame is taken, in milliseconds (default 600). */
  holdMs?: number;
  /**
   * How long each prompt is shown when its pose cannot be checked (no detector, or a detector
   * that gives no yaw, or the `up`/`down` prompts), in milliseconds (default 2500).
   */
  timedPromptMs?: number;
}

/** Smallest face width, as a share of the frame's width, that counts as close enough. */
const MIN_FACE_WIDTH = 0.18;
/** Largest distance of the face's center from the frame's center, as a share of the frame. */
const MAX_OFFSET_X = 0.2;
const MAX_OFFSET_Y = 0.25;
/** "Straight" is a yaw within this many degrees; a turn is at least `TURN_YAW` the right way. */
const STRAIGHT_YAW = 12;
const TURN_YAW = 20;

const DIRECTION: Record<LivenessPrompt, FaceGuidance> = {
  straight: 'look_straight',
  left: 'turn_left',
  right: 'turn_right',
  up: 'look_up',
  down: 'look_down',
};

/**
 * Walks through the liveness prompts in order. With observations, a prompt passes when a single
 * well-placed face holds its pose (yaw) for `holdMs`; a prompt whose pose cannot be read passes
 * after `timedPromptMs` with a face in place. Without observations (`undefined`: no detector),
 * each prompt is simply shown for `timedPromptMs`. An empty list means no face is seen: the hold
 * starts over.
 */
export class LivenessTracker {
  private index = 0;
  /** When the current prompt's pose started to hold (or, timed, when the prompt was first shown). */
  private since?: number;
  private readonly holdMs: number;
  private readonly timedPromptMs: number;

  constructor(
    private readonly prompts: LivenessPrompt[],
    private readonly options: LivenessTrackerOptions = {},
  ) {
    this.holdMs = options.holdMs ?? 600;
    this.timedPromptMs = options.timedPromptMs ?? 2500;
  }

  /** Detects with the tracker's detector (if any) and updates; detection failures count as no detector. */
  async detectAndUpdate(source: HTMLVideoElement | HTMLCanvasElement | ImageBitmap, now = performance.now()): Promise<LivenessState> {
    const observations = this.options.detector ? await this.options.detector.detect(source).catch(() => undefined) : undefined;
    return this.update(observations, now);
  }

  /** The state after seeing `observations` (undefined: no detector) at time `now` (milliseconds). */
  update(observations: FaceObservation[] | undefined, now: number): LivenessState {
    const prompt = this.prompts[this.index];
    if (prompt === undefined) return { index: this.index, guidance: 'done', captureNow: false, progress: 1 };

    if (observations === undefined) return this.timed(prompt, now);

    const face = largest(observations);
    if (!face) return this.waiting(prompt, 'no_face');
    if (face.box.width < MIN_FACE_WIDTH) return this.waiting(prompt, 'move_closer');
    const centerX = face.box.x + face.box.width / 2;
    const centerY = face.box.y + face.box.height / 2;
    if (Math.abs(centerX - 0.5) > MAX_OFFSET_X || Math.abs(centerY - 0.5) > MAX_OFFSET_Y) {
      return this.waiting(prompt, 'center_face');
    }

    const poseKnown = face.yaw !== undefined && (prompt === 'straight' || prompt === 'left' || prompt === 'right');
    if (!poseKnown) return this.timed(prompt, now);
    if (!holdsPose(prompt, face.yaw!)) return this.waiting(prompt, DIRECTION[prompt]);

    this.since ??= now;
    const held = now - this.since;
    if (held >= this.holdMs) return this.advance(prompt);
    return this.state(prompt, 'hold_still', held / this.holdMs);
  }

  /** A prompt shown for `timedPromptMs`, its pose unchecked. */
  private timed(prompt: LivenessPrompt, now: number): LivenessState {
    this.since ??= now;
    const shown = now - this.since;
    if (shown >= this.timedPromptMs) return this.advance(prompt);
    return this.state(prompt, DIRECTION[prompt], shown / this.timedPromptMs);
  }

  private waiting(prompt: LivenessPrompt, guidance: FaceGuidance): LivenessState {
    this.since = undefined;
    return this.state(prompt, guidance, 0);
  }

  private advance(prompt: LivenessPrompt): LivenessState {
    const index = this.index;
    this.index++;
    this.since = undefined;
    return { prompt, index, guidance: 'hold_still', captureNow: true, progress: (index + 1) / this.prompts.length };
  }

  private state(prompt: LivenessPrompt, guidance: FaceGuidance, fraction: number): LivenessState {
    const progress = (this.index + Math.min(1, Math.max(0, fraction))) / this.prompts.length;
    return { prompt, index: this.index, guidance, captureNow: false, progress };
  }
}

function largest(observations: FaceObservation[]): FaceObservation | undefined {
  let best: FaceObservation | undefined;
  for (const o of observations) if (!best || o.box.width * o.box.height > best.box.width * best.box.height) best = o;
  return best;
}

function holdsPose(prompt: LivenessPrompt, yaw: number): boolean {
  if (prompt === 'straight') return Math.abs(yaw) <= STRAIGHT_YAW;
  if (prompt === 'left') return yaw >= TURN_YAW;
  return yaw <= -TURN_YAW; // right
}
