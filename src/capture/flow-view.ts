/**
 * The capture flow's screen: the notice, the current step's view, and the stop link where the
 * person may stop. A switch over the step that hands each view its state, words and actions.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { documentCaptureKind, faceCaptureKind } from '../core/capture-api.js';
import type { FlowActions } from './flow-actions.js';
import type { FlowState } from './flow-state.js';
import { DocumentStep } from './steps/document-step.js';
import { FormStep } from './steps/form-step.js';
import { LivenessStep } from './steps/liveness-step.js';
import { STOPPABLE } from './steps/step.js';
import { RedirectCountdown } from './steps/wait-steps.js';
import { documentCameraView, fileStepView, livenessCameraView } from './views/camera-views.js';
import type { FileStepState, UploadNoteState } from './views/camera-views.js';
import {
  blockedView,
  documentTypeView,
  livenessIntroView,
  loadingView,
  processingView,
  resultView,
  reviewView,
  sendingView,
  termsView,
} from './views/screens.js';
import { formView } from './views/form-view.js';
import { noticeView, stopConfirmView, stopFailedView, stopLinkView, stoppedView } from './views/stop-views.js';

/** The whole capture screen of `flow`. */
export function renderFlow(flow: FlowState, actions: FlowActions): TemplateResult {
  return html`${noticeView(flow.notice)}${renderStep(flow, actions)}${
    STOPPABLE.has(flow.step.name) ? stopLinkView(flow.words, { ask: actions.askStop }) : nothing
  }`;
}

const uploadsOf = (flow: FlowState): UploadNoteState => ({ pending: flow.queueState.pending, unsaved: flow.queueState.unsaved, online: navigator.onLine });

function renderStep(flow: FlowState, actions: FlowActions): TemplateResult {
  const { step, words, busy } = flow;
  switch (step.name) {
    case 'loading':
      return loadingView(words);
    case 'blocked':
      return blockedView(step, words, actions);
    case 'terms':
      return termsView({ busy }, words, actions);
    case 'document_type':
      return documentTypeView({ types: (flow.verification?.documentTypes ?? []).map((d) => d.type) }, words, { choose: actions.chooseDocument });
    case 'document':
      return renderDocumentCamera(flow, actions);
    case 'review':
      return reviewView({ url: step.url, busy }, words, { retake: actions.retake, use: actions.usePhoto });
    case 'liveness_intro':
      return livenessIntroView(words, { start: actions.startLiveness });
    case 'liveness':
      return renderLivenessCamera(flow, actions);
    case 'liveness_files':
      return renderFileStep(flow, actions, faceCaptureKind(step.index), {
        title: words.filePrompt[step.index === 0 ? 'straight' : (flow.prompts[step.index - 1] ?? 'straight')],
        facing: 'user',
      });
    case 'form':
      return renderForm(flow);
    case 'sending':
      return sendingView(uploadsOf(flow), words);
    case 'processing':
      return processingView(words);
    case 'result': {
      const countdown = flow.active instanceof RedirectCountdown ? flow.active : undefined;
      return resultView({ snapshot: step.snapshot, returnUrl: flow.returnUrl, seconds: countdown?.seconds }, words);
    }
    case 'stop_confirm':
      return stopConfirmView({ busy }, words, { back: actions.cancelStop, confirm: actions.confirmStop });
    case 'stop_failed':
      return stopFailedView({ busy }, words, { resume: actions.retry, confirm: actions.confirmStop });
    case 'stopped':
      return stoppedView({ returnUrl: flow.returnUrl }, words);
  }
}

function renderDocumentCamera(flow: FlowState, actions: FlowActions): TemplateResult {
  const { words } = flow;
  const side = flow.step.name === 'document' ? flow.step.side : 'front';
  const title = words.sideTitle(words.documentTypes[flow.documentType], side);
  const problem = flow.cameraFault();
  if (problem) return renderFileStep(flow, actions, documentCaptureKind(side), { title, facing: 'environment', problem });
  const advice = flow.active instanceof DocumentStep ? flow.active.advice : undefined;
  return documentCameraView({ title, advice, uploads: uploadsOf(flow) }, words, { shoot: actions.shoot });
}

function renderLivenessCamera(flow: FlowState, actions: FlowActions): TemplateResult {
  const { words } = flow;
  const problem = flow.cameraFault();
  if (problem) return renderFileStep(flow, actions, faceCaptureKind(0), { title: words.filePrompt.straight, facing: 'user', problem });
  const live = flow.active instanceof LivenessStep ? flow.active : undefined;
  return livenessCameraView(
    { index: live?.index ?? 0, total: flow.prompts.length + 1, guidance: live?.guidance, offerFiles: live?.offerFiles ?? false, uploads: uploadsOf(flow) },
    words,
    { useFiles: actions.useFileSelfie },
  );
}

/** The form step: its fields, what was typed, and the problems found. */
function renderForm(flow: FlowState): TemplateResult {
  const form = flow.active instanceof FormStep ? flow.active : undefined;
  if (!form) return loadingView(flow.words);
  const state = { fields: form.fields, values: form.values, errors: form.errors, summary: form.summary, busy: form.sending || flow.busy };
  return formView(state, flow.words, { input: form.input, change: form.change, submit: () => void form.submit() });
}

/** The file input for capture `kind`. */
function renderFileStep(flow: FlowState, actions: FlowActions, kind: string, state: FileStepState): TemplateResult {
  return fileStepView(state, flow.words, { pick: (event) => void actions.pickFile(event, kind), retryCamera: actions.retryCamera });
}
