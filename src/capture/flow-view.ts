/**
 * The capture flow's screen: the notice, the current step's view, and the stop link where the
 * person may stop. A switch over the step that hands each view its state, words and actions.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { documentCaptureKind, faceCaptureKind, orderedSteps } from '../core/capture-api.js';
import type { FlowActions } from './flow-actions.js';
import type { FlowState } from './flow-state.js';
import { DocumentStep } from './steps/document-step.js';
import { FormStep } from './steps/form-step.js';
import { LivenessStep, promptOfCapture, warmFaceCheck } from './steps/liveness-step.js';
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
import { isOpeningScreen, operatorView } from './views/operator-view.js';
import { noticeView, stopConfirmView, stopFailedView, stopLinkView, stoppedView } from './views/stop-views.js';

/** The whole capture screen of `flow`. */
export function renderFlow(flow: FlowState, actions: FlowActions): TemplateResult {
  // The terms screen names the operator under its heading; another opening screen above its own.
  return html`${noticeView(flow.notice)}${flow.step.name === 'terms' ? nothing : openingOperator(flow)}${renderStep(flow, actions)}${
    STOPPABLE.has(flow.step.name) ? stopLinkView(flow.words, { ask: actions.askStop }) : nothing
  }`;
}

/** Who asked for this verification, on the screen the flow opens with; nothing elsewhere. */
const openingOperator = (flow: FlowState): TemplateResult | typeof nothing =>
  isOpeningScreen(flow.step.name, orderedSteps(flow.verification?.steps ?? [])) ? operatorView(flow.verification?.operator, flow.words) : nothing;

const uploadsOf = (flow: FlowState): UploadNoteState => ({ pending: flow.queueState.pending, unsaved: flow.queueState.unsaved, online: navigator.onLine });

function renderStep(flow: FlowState, actions: FlowActions): TemplateResult {
  const { step, words, busy } = flow;
  switch (step.name) {
    case 'loading':
      return loadingView(words);
    case 'blocked':
      return blockedView(step, words, actions);
    case 'terms':
      return termsView({ busy, operator: openingOperator(flow) }, words, actions);
    case 'document_type':
      return documentTypeView({ types: (flow.verification?.documentTypes ?? []).map((d) => d.type) }, words, { choose: actions.chooseDocument });
    case 'document':
      return renderDocumentCamera(flow, actions);
    case 'review':
      return reviewView({ url: step.url, busy }, words, { retake: actions.retake, use: actions.usePhoto });
    case 'liveness_intro':
      // The face detector loads and warms (in its worker) while the person reads this screen: once per flow.
      void warmFaceCheck(flow);
      return livenessIntroView(words, { start: actions.startLiveness });
    case 'liveness':
      return renderLivenessCamera(flow, actions);
    case 'liveness_files':
      return renderFileStep(flow, actions, faceCaptureKind(step.index), {
        title: words.filePrompt[promptOfCapture(flow.prompts, step.index)],
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
  const { camera } = flow;
  const controls = { canSwitch: camera.state === 'live' && camera.cameras.length > 1, torch: camera.state === 'live' && camera.torch, torchOn: camera.torchOn };
  return documentCameraView({ title, advice, uploads: uploadsOf(flow), ...controls }, words, actions);
}

function renderLivenessCamera(flow: FlowState, actions: FlowActions): TemplateResult {
  const { words } = flow;
  const live = flow.active instanceof LivenessStep ? flow.active : undefined;
  const current = live?.current ?? 0;
  const problem = flow.cameraFault();
  if (problem) return renderFileStep(flow, actions, faceCaptureKind(current), { title: words.filePrompt[promptOfCapture(flow.prompts, current)], facing: 'user', problem });
  // The camera app, once offered, starts with the first photo the live check left for it that is
  // not kept yet; while a picked photo saves, it is not offered again (one photo per pick).
  const { confirmed } = flow.local.state;
  const left = live?.skipped.find((index) => !confirmed.has(faceCaptureKind(index)));
  const offered = left ?? current;
  const offerFiles = (live?.offerFiles ?? false) && left !== undefined && !flow.busy && !actions.saving(faceCaptureKind(offered));
  const pick = (event: Event): void => void actions.pickFile(event, faceCaptureKind(offered));
  const prompt = promptOfCapture(flow.prompts, offered);
  return livenessCameraView(
    { index: live?.index ?? 0, total: flow.prompts.length + 1, guidance: live?.guidance, hint: live?.hint, offerFiles, prompt, uploads: uploadsOf(flow) },
    words,
    { pick },
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
