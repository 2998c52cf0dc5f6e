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

/** True when the selfie and one frame per liveness prompt are confirmed. */
export const livenessConfirmed = (flow: Pick<FlowConfig, 'liveness'>, local: LocalState): boolean =>
  local.confirmed.has(faceCaptureKind(0)) && flow.liveness.prompts.every((_, i) => local.confirmed.has(faceCaptureKind(i + 1)));

/** The first step still to do. */
export function resumePoint(flow: Pick<FlowConfig, 'progress' | 'documentTypes' | 'liveness'>, local: LocalState): ResumePoint {
  if (flow.progress.terms !== 'completed') return { name: 'terms' };
  if (flow.progress.document !== 'completed') {
    if (!local.documentType) return { name: 'document_type' };
    if (!local.confirmed.has(documentCaptureKind('front'))) return { name: 'document', side: 'front' };
    if (sidesOf(flow, local.documentType).includes('back') && !local.confirmed.has(documentCaptureKind('back'))) return { name: 'document', side: 'back' };
  }
  if (flow.progress.liveness !== 'completed' && !livenessConfirmed(flow, local)) return { name: 'liveness_intro' };
  return { name: 'sending' };
}
