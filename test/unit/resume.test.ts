import { expect } from '@open-wc/testing';
import type { FlowConfig } from '../../src/core/capture-api.js';
import { resumePoint } from '../../src/capture/progress/resume.js';

const flow = (progress: FlowConfig['progress']): Pick<FlowConfig, 'progress' | 'documentTypes' | 'liveness'> => ({
  progress,
  documentTypes: [
    { type: 'passport', sides: ['front'] },
    { type: 'id_card', sides: ['front', 'back'] },
  ],
  liveness: { prompts: ['left', 'right'] },
});
const local = (documentType: 'passport' | 'id_card' | undefined, ...confirmed: string[]) => ({ documentType, confirmed: new Set(confirmed) });
const fresh = { terms: 'pending', document: 'pending', liveness: 'pending' } as const;
const termsDone = { ...fresh, terms: 'completed' } as const;

describe('where a capture flow resumes', () => {
  it('starts with the terms, then the document type', () => {
    expect(resumePoint(flow(fresh), local(undefined))).to.deep.equal({ name: 'terms' });
    expect(resumePoint(flow(termsDone), local(undefined))).to.deep.equal({ name: 'document_type' });
  });

  it('asks for the back only where the document has one', () => {
    expect(resumePoint(flow(termsDone), local('id_card', 'document_front'))).to.deep.equal({ name: 'document', side: 'back' });
    expect(resumePoint(flow(termsDone), local('passport', 'document_front'))).to.deep.equal({ name: 'liveness_intro' });
    expect(resumePoint(flow(termsDone), local('id_card'))).to.deep.equal({ name: 'document', side: 'front' });
  });

  it('redoes the whole face check unless every frame was confirmed', () => {
    const docDone = { ...termsDone, document: 'completed' } as const;
    expect(resumePoint(flow(docDone), local('id_card', 'selfie', 'liveness_0'))).to.deep.equal({ name: 'liveness_intro' });
    expect(resumePoint(flow(docDone), local('id_card', 'selfie', 'liveness_0', 'liveness_1'))).to.deep.equal({ name: 'sending' });
  });

  it('trusts the server: steps it reports done are not asked again on a new phone', () => {
    const allDone = { terms: 'completed', document: 'completed', liveness: 'completed' } as const;
    expect(resumePoint(flow(allDone), local(undefined))).to.deep.equal({ name: 'sending' });
  });
});
