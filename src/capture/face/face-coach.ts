/**
 * What to try when the live face check does not move on. `FaceCoach` watches one prompt at a
 * time: after {@link HINT_AFTER_MS} without passing it, it names the most common problem of the
 * last few looks (too dark, no face, not turned far enough, turned the other way, not facing the
 * camera); after {@link OFFER_FILES_AFTER_MS} it offers the camera app for the photos still
 * missing. It holds no timers: the caller feeds it looks and the time, as `LivenessTracker`.
 */
import type { LivenessPrompt } from '../../core/capture-api.js';
import { DEFAULT_THRESHOLDS } from '../quality.js';
import type { FaceObservation } from './face-geometry.js';
import { POSE_YAW, largest } from './liveness-tracker.js';

/** One thing to try, named after what the detector saw. */
export type FaceHint = 'more_light' | 'face_hidden' | 'turn_further' | 'turn_other_way' | 'face_camera';

/** A prompt not passed after this long gets a hint (milliseconds). */
export const HINT_AFTER_MS = 4_500;
/** A prompt not passed after this long gets the camera app offered (milliseconds). */
export const OFFER_FILES_AFTER_MS = 10_000;
/** Only the looks of this last stretch of time choose the hint (milliseconds). */
const WINDOW_MS = 3_000;
/** A frame darker than this mean luma (0..255) is too dark: the document check's own limit. */
export const DARK_LUMA = DEFAULT_THRESHOLDS.minBrightness;

/** One look at the face: what the detector saw and the frame's mean luma, when measured. */
export interface CoachLook {
  faces: FaceObservation[];
  brightness?: number;
}

/** What to show beside the prompt now. */
export interface CoachAdvice {
  hint?: FaceHint;
  /** Offer the camera app for the photos still missing. */
  offerFiles: boolean;
}

/** What one look says about `prompt`: a problem, or `undefined` when it holds the pose or cannot tell. */
export function problemOf(prompt: LivenessPrompt, look: CoachLook): FaceHint | undefined {
  const dark = look.brightness !== undefined && look.brightness < DARK_LUMA;
  const face = largest(look.faces);
  if (!face) return dark ? 'more_light' : 'face_hidden';
  if (face.yaw === undefined || prompt === 'up' || prompt === 'down') return dark ? 'more_light' : undefined;
  let problem: FaceHint | undefined;
  if (prompt === 'straight') {
    problem = Math.abs(face.yaw) <= POSE_YAW.straight ? undefined : 'face_camera';
  } else {
    // The yaw the prompt's way: positive is towards the asked side.
    const towards = prompt === 'left' ? face.yaw : -face.yaw;
    if (towards >= POSE_YAW.turn) problem = undefined;
    else problem = towards <= -POSE_YAW.straight ? 'turn_other_way' : 'turn_further';
  }
  return problem && dark ? 'more_light' : problem;
}

/** Watches the prompt being asked and says what to try, then offers the camera app. */
export class FaceCoach {
  #index = -1;
  #prompt?: LivenessPrompt;
  #since = 0;
  #looks: Array<{ at: number; problem?: FaceHint }> = [];

  /** The prompt at position `index` is asked (again): a new position starts its clock over. */
  ask(index: number, prompt: LivenessPrompt | undefined, now: number): void {
    if (index === this.#index && prompt === this.#prompt) return;
    this.#index = index;
    this.#prompt = prompt;
    this.#since = now;
    this.#looks = [];
  }

  /** One look at the face for the prompt asked. */
  see(look: CoachLook, now: number): void {
    if (this.#prompt === undefined) return;
    this.#looks.push({ at: now, problem: problemOf(this.#prompt, look) });
    while (this.#looks.length && this.#looks[0]!.at < now - WINDOW_MS) this.#looks.shift();
  }

  /** The hint (after {@link HINT_AFTER_MS}) and the camera-app offer (after {@link OFFER_FILES_AFTER_MS}). */
  advice(now: number): CoachAdvice {
    if (this.#prompt === undefined) return { offerFiles: false };
    const waited = now - this.#since;
    const offerFiles = waited >= OFFER_FILES_AFTER_MS;
    if (waited < HINT_AFTER_MS) return { offerFiles };
    const counts = new Map<FaceHint, number>();
    for (const { problem } of this.#looks) if (problem) counts.set(problem, (counts.get(problem) ?? 0) + 1);
    let hint: FaceHint | undefined;
    for (const [problem, count] of counts) if (!hint || count > counts.get(hint)!) hint = problem;
    return hint ? { hint, offerFiles } : { offerFiles };
  }
}
