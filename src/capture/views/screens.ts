/**
 * The capture screens without a camera, as pure functions of (state, words, actions): what each
 * shows depends on nothing else, so each is tested in Chromium without a camera.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { DocumentType } from '../../core/capture-api.js';
import type { StatusSnapshot } from '../../core/status.js';
import type { CaptureWords } from './words.js';

/** The first screen, while the flow loads. */
export const loadingView = (words: CaptureWords): TemplateResult => html`<p role="status">${words.loading}</p>`;

/** A verification this phone cannot continue, with a retry where trying again may help. */
export const blockedView = (state: { message: string; retry?: boolean }, words: CaptureWords, actions: { retry(): void }): TemplateResult =>
  html`<p part="outcome" class="outcome error">${state.message}</p>
    ${state.retry ? html`<button type="button" @click=${actions.retry}>${words.retry}</button>` : nothing}`;

/** What is about to happen, and the agreement to start; `operator` (who asks) right under the heading. */
export const termsView = (
  state: { busy: boolean; operator?: TemplateResult | typeof nothing },
  words: CaptureWords,
  actions: { accept(): void },
): TemplateResult =>
  html`<h2 tabindex="-1">${words.termsTitle}</h2>
    ${state.operator ?? nothing}
    <p>${words.termsBody}</p>
    <ul class="list">
      ${words.termsWhat.map((line) => html`<li>${line}</li>`)}
    </ul>
    <button part="primary-button" class="primary" type="button" ?disabled=${state.busy} @click=${actions.accept}>${words.accept}</button>`;

/** The documents this verification takes. */
export const documentTypeView = (
  state: { types: readonly DocumentType[] },
  words: CaptureWords,
  actions: { choose(type: DocumentType): void },
): TemplateResult =>
  html`<h2 tabindex="-1">${words.chooseDocument}</h2>
    <div class="choices">
      ${state.types.map((type) => html`<button part="choice" type="button" @click=${() => actions.choose(type)}>${words.documentTypes[type]}</button>`)}
    </div>`;

/** The still just taken, to keep or take again. */
export const reviewView = (state: { url: string; busy: boolean }, words: CaptureWords, actions: { retake(): void; use(): void }): TemplateResult =>
  html`<h2 tabindex="-1">${words.reviewTitle}</h2>
    <img part="review-image" class="still" src=${state.url} alt=${words.reviewAlt} />
    <p class="muted">${words.reviewHint}</p>
    <div class="actions">
      <button type="button" @click=${actions.retake}>${words.retake}</button>
      <button part="primary-button" class="primary" type="button" ?disabled=${state.busy} @click=${actions.use}>${words.usePhoto}</button>
    </div>`;

/** What the face check asks, before the front camera opens. */
export const livenessIntroView = (words: CaptureWords, actions: { start(): void }): TemplateResult =>
  html`<h2 tabindex="-1">${words.livenessTitle}</h2>
    <p>${words.livenessBody}</p>
    <button part="primary-button" class="primary" type="button" @click=${actions.start}>${words.start}</button>`;

/** Uploads finishing and the submit: how many photos are still on their way, and why they wait. */
export interface SendingState {
  pending: number;
  /** Captures held in memory only: leaving the page loses them. */
  unsaved?: number;
  online: boolean;
}

/** Photos on their way, then the submit. */
export const sendingView = (state: SendingState, words: CaptureWords): TemplateResult =>
  html`<h2 tabindex="-1">${words.submitting}</h2>
    <p role="status">${state.pending > 0 ? words.uploading(state.pending) : words.submitting}</p>
    ${state.unsaved
      ? html`<p class="banner">${words.keepPageOpen}</p>`
      : !state.online
        ? html`<p class="banner">${words.waitingForNetwork}</p>`
        : nothing}`;

/** Submitted: okID is checking. */
export const processingView = (words: CaptureWords): TemplateResult =>
  html`<h2 tabindex="-1">${words.processing}</h2><p class="visually-hidden" role="status">${words.processing}</p>`;

/** The outcome; `seconds` counts down to the redirect to `returnUrl`, when there is one. */
export interface ResultState {
  snapshot: StatusSnapshot;
  returnUrl?: string;
  seconds?: number;
}

/** The verification's outcome, and the way back to the site. */
export function resultView(state: ResultState, words: CaptureWords): TemplateResult {
  const { snapshot, returnUrl, seconds } = state;
  const redirect =
    seconds !== undefined && returnUrl
      ? html`<p role="timer" aria-live="off">${words.redirecting(seconds)}</p>
          <a part="return-link" class="button" href=${returnUrl}>${words.returnNow}</a>`
      : html`<p class="muted">${words.doneHint}</p>`;
  switch (snapshot.status) {
    case 'completed':
      return html`<p part="outcome" class="outcome success">${snapshot.outcome === 'manual_review' ? words.doneReview : words.doneVerified}</p>${redirect}`;
    case 'expired':
      return html`<p part="outcome" class="outcome error">${words.expired}</p>`;
    case 'canceled':
      return html`<p part="outcome" class="outcome error">${words.canceled}</p>`;
    default:
      return html`<p part="outcome" class="outcome error">${words.failed}</p>${redirect}`;
  }
}
