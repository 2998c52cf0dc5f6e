/**
 * What the capture flow shows and what its actions work on: the interface the flow implements,
 * so the view (flow-view.ts) and the actions (flow-actions.ts) do not import the flow itself.
 */
import type { CaptureCallbacks } from '../controllers/capture-contract.js';
import type { DocumentType } from '../core/capture-api.js';
import type { ResolvedConfig } from '../core/config.js';
import type { DocumentStep } from './steps/document-step.js';
import type { FormStep } from './steps/form-step.js';
import type { LivenessStep } from './steps/liveness-step.js';
import type { Step, StepHost } from './steps/step.js';
import type { RedirectCountdown } from './steps/wait-steps.js';
import type { UploadQueueState } from './upload/upload-queue.js';
import type { CaptureWords } from './views/words.js';

/** The running controller of the current step, if it has one. */
export type StepController = DocumentStep | LivenessStep | FormStep | RedirectCountdown | undefined;

/** The capture flow, as its view and its actions see it. */
export interface FlowState extends StepHost {
  readonly step: Step;
  /** The controller of the current step (camera steps, the result's countdown). */
  readonly active: StepController;
  readonly config: ResolvedConfig;
  readonly callbacks: CaptureCallbacks;
  /** The words shown: English, the element's translation, the operator's overrides. */
  readonly words: CaptureWords;
  readonly queueState: UploadQueueState;
  /** A user action is saving: buttons are disabled until it is done. */
  busy: boolean;
  /** A message for the current screen (a photo that could not be read or sent). */
  notice?: string;
  /** The element's return-url, else the one okID holds; only http(s). */
  readonly returnUrl: string | undefined;
  /** The document type chosen (an ID card until one is). */
  readonly documentType: DocumentType;
  /** The camera's fault in the page's language; none while it works. */
  cameraFault(): string | undefined;
  /** Ends the current session (its queue, its step's work) and starts a new one. */
  newSession(): AbortSignal;
  /** Loads the flow and continues where this verification is, in a new session. */
  begin(): Promise<void>;
}
