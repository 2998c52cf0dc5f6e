/**
 * Where a capture flow (re)starts: from what the server reports and what this phone already
 * confirmed. Pure, so every resume case is tested without a camera.
 */
import { documentCaptureKind, faceCaptureKind } from '../../core/capture-api.js';
import type { DocumentSide, DocumentType, FlowConfig } from '../../core/capture-api.js';

/** The step a (re)opened flow continues with. */
export type ResumePoint =
  | { name: 'terms' }
  | { name: 'document_type' }
  | { name: 'document'; side: DocumentSide }
  | { name: 'liveness_intro' }
  | { name: 'form' }
  | { name: 'sending' };

/** What this phone confirmed of a verification (see local-progress.ts). */
export interface LocalState {
  /** The document type this phone chose, if any. */
  documentType?: DocumentType;
  /** Capture kinds this phone confirmed (stored for upload, or uploaded). */
  confirmed: ReadonlySet<string>;
}

/** The sides a document type has, per the flow (front and back when the flow does not say). */
export const sidesOf = (flow: Pick<FlowConfig, 'documentTypes'>, type: DocumentType): DocumentSide[] =>
  flow.documentTypes.find((d) => d.type === type)?.sides ?? ['front', 'back'];

/**
 * The face captures still to take, in order: 0 for the selfie, n for the n-th prompt. A selfie or
 * a prompt already confirmed (live or through the camera app) is kept, never asked again.
 */
export const missingFaceCaptures = (flow: Pick<FlowConfig, 'liveness'>, local: LocalState): number[] =>
  Array.from({ length: flow.liveness.prompts.length + 1 }, (_, i) => i).filter((i) => !local.confirmed.has(faceCaptureKind(i)));

/** True when the selfie and one frame per liveness prompt are confirmed. */
export const livenessConfirmed = (flow: Pick<FlowConfig, 'liveness'>, local: LocalState): boolean => missingFaceCaptures(flow, local).length === 0;

/** The flow's steps; a config without a list (an older one) has okID's standard three. */
const stepsOf = (flow: { steps?: readonly string[] }): readonly string[] => flow.steps ?? ['terms', 'document', 'liveness'];

/** Notes a step the server just accepted (terms, form) in the flow config this phone holds. */
export function markStepDone(flow: Pick<FlowConfig, 'progress'>, step: 'terms' | 'form_data'): void {
  flow.progress[step] = 'completed';
}

/** True when the flow has a form step the server does not have yet. */
export const formPending = (flow: Pick<FlowConfig, 'progress'> & { steps?: readonly string[] }): boolean =>
  stepsOf(flow).includes('form_data') && flow.progress.form_data !== 'completed';

/** The first step still to do, among the steps of the flow, in okID's order. */
export function resumePoint(flow: Pick<FlowConfig, 'progress' | 'documentTypes' | 'liveness'> & { steps?: readonly string[] }, local: LocalState): ResumePoint {
  const steps = stepsOf(flow);
  if (steps.includes('terms') && flow.progress.terms !== 'completed') return { name: 'terms' };
  if (steps.includes('document') && flow.progress.document !== 'completed') {
    if (!local.documentType) return { name: 'document_type' };
    if (!local.confirmed.has(documentCaptureKind('front'))) return { name: 'document', side: 'front' };
    if (sidesOf(flow, local.documentType).includes('back') && !local.confirmed.has(documentCaptureKind('back'))) return { name: 'document', side: 'back' };
  }
  if (steps.includes('liveness') && flow.progress.liveness !== 'completed' && !livenessConfirmed(flow, local)) return { name: 'liveness_intro' };
  if (formPending(flow)) return { name: 'form' };
  return { name: 'sending' };
}
