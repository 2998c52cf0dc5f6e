/**
 * Stopping on the phone, as pure functions of (state, words, actions): the stop link on every
 * capture screen before submit, the confirmation, a stop that did not get through, and the end.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { CaptureWords } from './words.js';

/** The link-styled stop button under a capture screen. */
export const stopLinkView = (words: CaptureWords, actions: { ask(): void }): TemplateResult =>
  html`<button part="stop-button" class="link stop" type="button" @click=${actions.ask}>${words.stop}</button>`;

/** What the stop screens do. */
export interface StopActions {
  /** Back to the step the person was on (also Escape on the confirmation). */
  back(): void;
  /** Tell okID the verification stops. */
  confirm(): void;
}

/** "Stop the verification?", while the stop is asked and while it is being sent. */
export function stopConfirmView(state: { busy: boolean }, words: CaptureWords, actions: StopActions): TemplateResult {
  const onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    actions.back();
  };
  return html`<div class="stop-confirm" @keydown=${onKey}>
    <h2 tabindex="-1">${words.stopTitle}</h2>
    <p>${words.stopBody}</p>
    <p class="muted" role="status">${state.busy ? words.stopping : ''}</p>
    <div class="actions">
      <button part="stop-back-button" type="button" ?disabled=${state.busy} @click=${actions.back}>${words.stopBack}</button>
      <button part="stop-confirm-button" class="primary" type="button" ?disabled=${state.busy} @click=${actions.confirm}>${words.stopConfirm}</button>
    </div>
  </div>`;
}

/** The cancel did not reach okID: the verification is still open; continue it or try again. */
export const stopFailedView = (state: { busy: boolean }, words: CaptureWords, actions: { resume(): void; confirm(): void }): TemplateResult =>
  html`<h2 tabindex="-1">${words.stopFailedTitle}</h2>
    <p class="banner" role="alert">${words.stopFailedBody}</p>
    <p class="muted" role="status">${state.busy ? words.stopping : ''}</p>
    <div class="actions">
      <button type="button" ?disabled=${state.busy} @click=${actions.resume}>${words.stopResume}</button>
      <button part="stop-confirm-button" class="primary" type="button" ?disabled=${state.busy} @click=${actions.confirm}>${words.retry}</button>
    </div>`;

/** Stopped. No countdown: the person chose to leave, and goes when they are ready. */
export const stoppedView = (state: { returnUrl?: string }, words: CaptureWords): TemplateResult =>
  html`<h2 tabindex="-1">${words.stoppedTitle}</h2>
    <p part="outcome" class="outcome">${words.stoppedBody}</p>
    ${state.returnUrl
      ? html`<a part="return-link" class="button primary" href=${state.returnUrl}>${words.stoppedReturn}</a>`
      : html`<p class="muted">${words.stoppedHint}</p>`}`;

/** A message over the current screen (a photo that could not be read or sent). */
export const noticeView = (notice: string | undefined): TemplateResult | typeof nothing =>
  notice ? html`<p part="notice" class="banner" role="alert">${notice}</p>` : nothing;
