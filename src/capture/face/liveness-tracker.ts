/**
 * `LivenessTracker` turns what a face detector sees into what the person is told and when a
 * frame is taken. It holds no timers: the caller feeds it observations and the time, at its own
 * pace.
 */
import type { LivenessPrompt } from '../../core/capture-api.js';
import type { FaceObservation } from './face-geometry.js';

export type { LivenessPrompt } from '../../core/capture-api.js';

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

/** What {@link LivenessTracker.update} says after an observation. */
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

/** Timing of {@link LivenessTracker}. */
export interface LivenessTrackerOptions {
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
/**
 * The yaw thresholds of the prompts, in degrees: "straight" is a yaw within `straight` of 0; a
 * turn is at least `turn` the right way. Tuned on photos of real people (`npm run bench`,
 * bench/faces.ts): the bundled detector reads heads that face the camera at up to 16° (12° let
 * 4 of 11 straight heads fail the selfie), so `straight` is 18; a turn must read beyond any
 * straight head, so `turn` stays 20.
 */
export const POSE_YAW = Object.freeze({ straight: 18, turn: 20 });

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
  #index = 0;
  /** When the current prompt's pose started to hold (or, timed, when the prompt was first shown). */
  #since?: number;
  readonly #holdMs: number;
  readonly #timedPromptMs: number;
  readonly #prompts: LivenessPrompt[];

  constructor(prompts: LivenessPrompt[], options: LivenessTrackerOptions = {}) {
    this.#prompts = prompts;
    this.#holdMs = options.holdMs ?? 600;
    this.#timedPromptMs = options.timedPromptMs ?? 2500;
  }

  /** The state after seeing `observations` (undefined: no detector) at time `now` (milliseconds). */
  update(observations: FaceObservation[] | undefined, now: number): LivenessState {
    const prompt = this.#prompts[this.#index];
    if (prompt === undefined) return { index: this.#index, guidance: 'done', captureNow: false, progress: 1 };

    if (observations === undefined) return this.#timed(prompt, now);

    const face = largest(observations);
    if (!face) return this.#waiting(prompt, 'no_face');
    if (face.box.width < MIN_FACE_WIDTH) return this.#waiting(prompt, 'move_closer');
    const centerX = face.box.x + face.box.width / 2;
    const centerY = face.box.y + face.box.height / 2;
    if (Math.abs(centerX - 0.5) > MAX_OFFSET_X || Math.abs(centerY - 0.5) > MAX_OFFSET_Y) {
      return this.#waiting(prompt, 'center_face');
    }

    const poseKnown = face.yaw !== undefined && (prompt === 'straight' || prompt === 'left' || prompt === 'right');
    if (!poseKnown) return this.#timed(prompt, now);
    if (!holdsPose(prompt, face.yaw!)) return this.#waiting(prompt, DIRECTION[prompt]);

    this.#since ??= now;
    const held = now - this.#since;
    if (held >= this.#holdMs) return this.#advance(prompt);
    return this.#state(prompt, 'hold_still', held / this.#holdMs);
  }

  /**
   * Leaves the current prompt for later, without a frame (the live check cannot follow it: the
   * camera app takes it at the end); the next prompt is asked.
   */
  skip(): void {
    if (this.#index < this.#prompts.length) this.#index++;
    this.#since = undefined;
  }

  /** A prompt shown for `timedPromptMs`, its pose unchecked. */
  #timed(prompt: LivenessPrompt, now: number): LivenessState {
    this.#since ??= now;
    const shown = now - this.#since;
    if (shown >= this.#timedPromptMs) return this.#advance(prompt);
    return this.#state(prompt, DIRECTION[prompt], shown / this.#timedPromptMs);
  }

  #waiting(prompt: LivenessPrompt, guidance: FaceGuidance): LivenessState {
    this.#since = undefined;
    return this.#state(prompt, guidance, 0);
  }

  #advance(prompt: LivenessPrompt): LivenessState {
    const index = this.#index;
    this.#index++;
    this.#since = undefined;
    return { prompt, index, guidance: 'hold_still', captureNow: true, progress: (index + 1) / this.#prompts.length };
  }

  #state(prompt: LivenessPrompt, guidance: FaceGuidance, fraction: number): LivenessState {
    const progress = (this.#index + Math.min(1, Math.max(0, fraction))) / this.#prompts.length;
    return { prompt, index: this.#index, guidance, captureNow: false, progress };
  }
}

/** The largest face of a frame: the person in front of the camera. */
export function largest(observations: FaceObservation[]): FaceObservation | undefined {
  let best: FaceObservation | undefined;
  for (const o of observations) if (!best || o.box.width * o.box.height > best.box.width * best.box.height) best = o;
  return best;
}

/** True when `yaw` (degrees, see `FaceObservation.yaw`) is the pose `prompt` asks for; `up`/`down` cannot be read from yaw. */
export function holdsPose(prompt: LivenessPrompt, yaw: number): boolean {
  if (prompt === 'straight') return Math.abs(yaw) <= POSE_YAW.straight;
  if (prompt === 'left') return yaw >= POSE_YAW.turn;
  if (prompt === 'right') return yaw <= -POSE_YAW.turn;
  return false;
}
