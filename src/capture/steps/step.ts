/**
 * The capture flow's steps, and what a step's controller may ask of the flow. A step that runs
 * something (a camera loop, an upload wait, a poll, a countdown) gets a controller built on entry
 * with an `AbortSignal` that the flow aborts on exit, as Lit's `Task` does for each run.
 */
import type { LitElement } from 'lit';
import type { DocumentSide, FlowConfig, LivenessPrompt } from '../../core/capture-api.js';
import type { StatusSnapshot } from '../../core/status.js';
import type { OkidStepFacts, OkidStepName } from '../../core/step-event.js';
import type { CameraController } from '../../controllers/camera-controller.js';
import type { CaptureClient } from '../capture-client.js';
import type { FaceDetectorLike } from '../face/face-geometry.js';
import type { LocalProgress } from '../progress/local-progress.js';
import type { UploadQueue } from '../upload/upload-queue.js';

/** Where the person is. */
export type Step =
  | { name: 'loading' }
  | { name: 'blocked'; message: string; retry?: boolean }
  | { name: 'terms' }
  | { name: 'document_type' }
  | { name: 'document'; side: DocumentSide }
  | { name: 'review'; side: DocumentSide; blob: Blob; url: string }
  | { name: 'liveness_intro' }
  | { name: 'liveness' }
  | { name: 'liveness_files'; index: number }
  /** The form step, where the flow has `form_data`. */
  | { name: 'form' }
  | { name: 'sending' }
  | { name: 'processing' }
  | { name: 'result'; snapshot: StatusSnapshot }
  /** "Stop the verification?", over the step the person was on (kept whole, to go back to). */
  | { name: 'stop_confirm'; from: Step }
  /** The cancel call did not get through: the verification is still open. */
  | { name: 'stop_failed' }
  | { name: 'stopped' };

/** The step named `N`. */
export type StepOf<N extends Step['name']> = Extract<Step, { name: N }>;

/** The screens that offer the stop link: every capture step before submit. */
export const STOPPABLE: ReadonlySet<Step['name']> = new Set(['terms', 'document_type', 'document', 'review', 'liveness_intro', 'liveness', 'liveness_files', 'form']);

/** The object URL a step holds (a review's still, also while the stop confirmation is over it). */
export const objectUrlOf = (step: Step): string | undefined =>
  step.name === 'review' ? step.url : step.name === 'stop_confirm' ? objectUrlOf(step.from) : undefined;

/** The camera a step shows, if any. */
export const cameraOf = (step: Step): 'user' | 'environment' | undefined =>
  step.name === 'document' ? 'environment' : step.name === 'liveness' ? 'user' : undefined;

/** A status snapshot of what the capture API says of the verification. */
export function snapshotOf(flow: FlowConfig): StatusSnapshot {
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

/** What the flow gives the controller of the step it enters. */
export interface StepHost {
  readonly host: LitElement;
  readonly camera: CameraController;
  readonly client: CaptureClient;
  readonly local: LocalProgress;
  /** The verification as the capture API last described it. */
  readonly verification?: FlowConfig;
  /** The upload queue of this visit (open from the first capture step on). */
  readonly queue?: UploadQueue;
  /** The liveness prompts okID chose for this verification. */
  readonly prompts: LivenessPrompt[];
  /** The face detector, loaded once per flow: `null` when there is none (timed prompts). */
  detector?: FaceDetectorLike | null;
  /** The live camera's `<video>`, once rendered (queried: a directive would need a Lit of its own). */
  video(): HTMLVideoElement | undefined;
  /** A funnel event (`okid-step`): what the person did or met, never personal data. */
  emitStep(name: OkidStepName, facts?: OkidStepFacts): void;
  /** Moves to `step` (this step's signal aborts). */
  go(step: Step): void;
  /** Stores a confirmed capture for upload and remembers it. */
  store(kind: string, blob: Blob): Promise<void>;
  /** The camera failed: tells the page (the step then shows the file input). */
  reportCameraFault(): void;
  /** A capture API failure: the matching screen and `okid-error`. */
  handleApiError(error: unknown): void;
  /** A capture refused for good (a BAD_REQUEST): everything is taken again. */
  handleUploadRefused(error: unknown): Promise<void>;
  /** The capture API answered with a (new) state of the verification. */
  updateFlow(flow: FlowConfig): void;
  /** The verification ended: the outcome screen. */
  finish(flow: FlowConfig): void;
}
