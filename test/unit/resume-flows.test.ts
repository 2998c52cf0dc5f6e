/**
 * Where a flow with a subset of okID's steps (re)starts: only its own steps, in okID's order
 * (terms, document, face check, form), from what the server reports and this phone confirmed.
 */
import { expect } from '@open-wc/testing';
import type { FlowConfig } from '../../src/core/capture-api.js';
import { formPending, markStepDone, resumePoint } from '../../src/capture/progress/resume.js';
import type { LocalState } from '../../src/capture/progress/resume.js';

const types: FlowConfig['documentTypes'] = [{ type: 'passport', sides: ['front'] }];
const flow = (steps: string[], progress: FlowConfig['progress'] = {}) => ({ steps, progress, documentTypes: types, liveness: { prompts: ['left' as const] } });
const none: LocalState = { confirmed: new Set() };
const face: LocalState = { confirmed: new Set(['selfie', 'liveness_0']) };

describe('resume point of flows with any subset of steps', () => {
  it('starts at the first step the flow has', () => {
    expect(resumePoint(flow(['document']), none)).to.deep.equal({ name: 'document_type' });
    expect(resumePoint(flow(['liveness']), none)).to.deep.equal({ name: 'liveness_intro' });
    expect(resumePoint(flow(['form_data']), none)).to.deep.equal({ name: 'form' });
    expect(resumePoint(flow(['terms', 'form_data']), none)).to.deep.equal({ name: 'terms' });
  });

  it('the form comes after the face check, then the submit', () => {
    const all = flow(['terms', 'document', 'liveness', 'form_data'], { terms: 'completed', document: 'completed', liveness: 'pending', form_data: 'pending' });
    expect(resumePoint(all, none)).to.deep.equal({ name: 'liveness_intro' });
    expect(resumePoint(all, face)).to.deep.equal({ name: 'form' });
    expect(formPending(all)).to.equal(true);
    markStepDone(all, 'form_data');
    expect(formPending(all)).to.equal(false);
    expect(resumePoint(all, face)).to.deep.equal({ name: 'sending' });
  });

  it('a document-only flow goes from the last side to the submit; a config without steps keeps the standard three', () => {
    const local: LocalState = { documentType: 'passport', confirmed: new Set(['document_front']) };
    expect(resumePoint(flow(['document'], { document: 'pending' }), local)).to.deep.equal({ name: 'sending' });
    const { steps: _, ...old } = flow([], { terms: 'completed', document: 'completed', liveness: 'pending' });
    expect(resumePoint(old, none)).to.deep.equal({ name: 'liveness_intro' });
  });
});
