/**
 * Where a capture flow (re)starts: from what the server reports and what this phone already
 * confirmed. Pure, so every resume case is tested without a camera.
 */
import type { DocumentType, FlowConfig } from '../core/capture-api.js';

export type ResumePoint =
  | { name: 'terms' }
  | { name: 'document_type' }
  | { name: 'document'; side: 'front' | 'back' }
  | { name: 'liveness_intro' }
  | { name: 'sending' };

export interface LocalState {
  /** The document type this phone chose, if any. */
  documentType?: DocumentType;
  /** Capture kinds this phone confirmed (stored for upload, or uploaded). */
  confirmed: ReadonlySet<string>;
}

/** The sides a document type has, per the flow (front and back when the flow does not say). */
export const sidesOf = (flow: Pick<FlowConfig, 'documentTypes'>, type: DocumentType): Array<'front' | 'back'> =>
  flow.documentTypes.find((d) => d.type === type)?.sides ?? ['front', 'back'];

/** True when the selfie and one frame per liveness prompt are confirmed. */
export const livenessConfirmed = (flow: Pick<FlowConfig, 'liveness'>, local: LocalState): boolean =>
  local.confirmed.has('selfie') && flow.liveness.prompts.every((_, i) => local.confirmed.has(`liveness_${i}`));

/** The first step still to do. */
export function resumePoint(flow: Pick<FlowConfig, 'progress' | 'documentTypes' | 'liveness'>, local: LocalState): ResumePoint {
  if (flow.progress.terms !== 'completed') return { name: 'terms' };
  if (flow.progress.document !== 'completed') {
    if (!local.documentType) return { name: 'document_type' };
    if (!local.confirmed.has('document_front')) return { name: 'document', side: 'front' };
    if (sidesOf(flow, local.documentType).includes('back') && !local.confirmed.has('document_back')) return { name: 'document', side: 'back' };
  }
  if (flow.progress.liveness !== 'completed' && !livenessConfirmed(flow, local)) return { name: 'liveness_intro' };
  return { name: 'sending' };
}
