/**
 * The camera screens, as pure functions of (state, words, actions): the document camera, the
 * face check, and the way without a live camera (the phone's camera app through a file input).
 * The `<video part="camera">` is found by the step that shows the camera in it.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { FrameAdvice } from '../quality.js';
import type { CaptureWords } from './words.js';

/** Photos still on their way, shown under a camera. */
export interface UploadNoteState {
  pending: number;
  /** Captures held in memory only: leaving the page loses them. */
  unsaved?: number;
  online: boolean;
}

/** Under a camera: how many photos are still being sent, and what that waits for. */
function uploadNoteView(state: UploadNoteState, words: CaptureWords): TemplateResult | typeof nothing {
  if (!state.pending) return nothing;
  // A capture this phone could not store is lost if the page goes: `waitingForNetwork` would promise otherwise.
  if (state.unsaved) return html`<p class="muted">${words.uploading(state.pending)} ${words.keepPageOpen}</p>`;
  return html`<p class="muted">${state.online ? words.uploading(state.pending) : words.waitingForNetwork}</p>`;
}

/** The file-input way: what to photograph, why the live camera is not offered, and a retry. */
export interface FileStepState {
  title: string;
  facing: 'user' | 'environment';
  /** Why the live camera is not shown (a camera fault), if that is why. */
  problem?: string;
}

/** What the file-input screen does. */
export interface FileStepActions {
  /** A file was picked (or the picker was closed). */
  pick(event: Event): void;
  /** Try the live camera again (offered with a `problem`). */
  retryCamera(): void;
}

/** The path without a live camera: the phone's own camera app (or files) through the file picker. */
export const fileStepView = (state: FileStepState, words: CaptureWords, actions: FileStepActions): TemplateResult =>
  html`<h2 tabindex="-1">${state.title}</h2>
    ${state.problem ? html`<p class="banner" role="alert">${state.problem}</p>` : nothing}
    <label part="file-button" class="button primary file">
      ${state.facing === 'user' ? words.useFileSelfie : words.useFile}
      <input type="file" accept="image/*" capture=${state.facing} @change=${actions.pick} />
    </label>
    ${state.facing === 'environment' ? html`<p class="muted">${words.useFileHint}</p>` : nothing}
    ${state.problem ? html`<button type="button" @click=${actions.retryCamera}>${words.cameraRetry}</button>` : nothing}`;

/** The document camera: a card-shaped guide, the quality advice, the shutter, and the camera's own controls. */
export interface DocumentCameraState {
  title: string;
  advice?: FrameAdvice;
  uploads: UploadNoteState;
  /** More than one camera faces back: offer **Switch camera**. */
  canSwitch?: boolean;
  /** The live camera has a torch (offer **Light**), and whether it is lit. */
  torch?: boolean;
  torchOn?: boolean;
}

/** What the document camera's buttons do. */
export interface DocumentCameraActions {
  shoot(): void;
  switchCamera(): void;
  toggleLight(): void;
}

/** The rear camera with the card guide. */
export const documentCameraView = (state: DocumentCameraState, words: CaptureWords, actions: DocumentCameraActions): TemplateResult =>
  html`<h2 tabindex="-1">${state.title}</h2>
    <div class="camera document">
      <video part="camera" playsinline muted autoplay aria-hidden="true"></video>
      <div class="guide card" aria-hidden="true"></div>
    </div>
    <p class="guidance" role="status" aria-live="polite">${state.advice ? words.advice[state.advice] : words.placeDocument}</p>
    <button part="shutter" class="primary shutter" type="button" @click=${actions.shoot}>${words.shutter}</button>
    ${state.canSwitch || state.torch
      ? html`<div class="camera-controls">
          ${state.canSwitch ? html`<button part="switch-camera-button" type="button" @click=${actions.switchCamera}>${words.switchCamera}</button>` : nothing}
          ${state.torch ? html`<button part="light-button" type="button" aria-pressed=${state.torchOn ? 'true' : 'false'} @click=${actions.toggleLight}>${words.light}</button>` : nothing}
        </div>`
      : nothing}
    ${uploadNoteView(state.uploads, words)}`;

/** The face check: which prompt of how many, what to do now, what to try, and the camera-app way after a while. */
export interface LivenessCameraState {
  /** Prompts done (0 for the selfie), and all of them, the selfie included. */
  index: number;
  total: number;
  guidance?: keyof CaptureWords['faceGuidance'];
  /** What to try, once the prompt has not passed for a while. */
  hint?: keyof CaptureWords['faceHints'];
  /** Offer the camera app for the photo asked now (the live check has not moved on for a while). */
  offerFiles: boolean;
  /** The pose of the photo asked now, for the camera-app button. */
  prompt: keyof CaptureWords['filePrompt'];
  uploads: UploadNoteState;
}

/** The front camera with the oval guide; the camera app, when offered, opens straight from here. */
export function livenessCameraView(state: LivenessCameraState, words: CaptureWords, actions: { pick(event: Event): void }): TemplateResult {
  const label = words.promptLabel(Math.min(state.index + 1, state.total), state.total);
  return html`<h2 tabindex="-1">${words.livenessTitle}</h2>
    <div class="camera face">
      <video part="camera" class="mirrored" playsinline muted autoplay aria-hidden="true"></video>
      <div class="guide oval" aria-hidden="true"></div>
    </div>
    <p class="muted">${label}</p>
    <progress part="progress" aria-label=${label} max=${state.total} value=${state.index}></progress>
    <p class="guidance" role="status" aria-live="polite">${words.faceGuidance[state.guidance ?? 'no_face']}</p>
    <p part="face-hint" class="hint" aria-live="polite">${state.hint ? words.faceHints[state.hint] : nothing}</p>
    ${state.offerFiles
      ? html`<label part="file-button" class="button file">
            ${words.filePrompt[state.prompt]}
            <input type="file" accept="image/*" capture="user" @change=${actions.pick} />
          </label>
          <p class="muted">${words.useFileKept}</p>`
      : nothing}
    ${uploadNoteView(state.uploads, words)}`;
}
