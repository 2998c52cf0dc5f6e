import { css } from 'lit';

/**
 * Every colour, radius and font is a `--okid-*` custom property read with a fallback, so a page
 * can theme the element from `:root` without reaching into its shadow root.
 */
export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    max-width: var(--okid-max-width, 26rem);
    padding: var(--okid-padding, 1.25rem);
    border: 1px solid var(--okid-border-color, #d0d5dd);
    border-radius: var(--okid-radius, 12px);
    background: var(--okid-background, #fff);
  }
  /* Text styles sit on the inner wrapper, not on :host: a page rule such as
     '* { color: magenta }' matches the host itself and would win there. */
  [part='base'] {
    color: var(--okid-color, #1d2939);
    font-family: var(--okid-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    /* medium: the reader's own default size, whatever the page sets on its root. */
    font-size: var(--okid-font-size, medium);
    font-style: normal;
    font-weight: normal;
    letter-spacing: normal;
    line-height: 1.5;
    text-align: center;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.25em;
  }
  p {
    margin: 0.5rem 0;
  }
  ::slotted([slot='logo']) {
    display: block;
    max-height: 3rem;
    margin: 0 auto 0.75rem;
  }
  .qr {
    display: block;
    width: var(--okid-qr-size, 14em);
    max-width: 100%;
    height: auto;
    margin: 0.75rem auto;
    /* The code stays black on white in every theme: phone cameras need the contrast. */
    background: #fff;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.5rem;
    margin: 0.75rem 0;
  }
  a.button,
  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: 44px;
    min-width: 44px;
    padding: 0.5rem 1rem;
    border: 1px solid var(--okid-accent, #1d4ed8);
    border-radius: var(--okid-button-radius, 8px);
    background: var(--okid-background, #fff);
    color: var(--okid-accent, #1d4ed8);
    font: inherit;
    text-decoration: none;
    cursor: pointer;
  }
  a.button.primary,
  button.primary {
    background: var(--okid-accent, #1d4ed8);
    color: var(--okid-accent-contrast, #fff);
  }
  [aria-disabled='true'] {
    cursor: wait;
  }
  a.button:focus-visible,
  button:focus-visible {
    outline: 3px solid var(--okid-focus-color, #f79009);
    outline-offset: 2px;
  }
  .muted {
    color: var(--okid-muted-color, #475467);
    font-size: 0.9em;
  }
  .steps {
    list-style: none;
    padding: 0;
    margin: 1rem auto;
    max-width: 16rem;
    text-align: start;
  }
  .steps li {
    display: flex;
    justify-content: space-between;
    padding: 0.35rem 0;
    border-bottom: 1px solid var(--okid-border-color, #d0d5dd);
  }
  .steps li[data-state='completed'] .state {
    color: var(--okid-success-color, #067647);
    font-weight: 600;
  }
  .outcome {
    font-weight: 600;
  }
  .outcome.success {
    color: var(--okid-success-color, #067647);
  }
  .outcome.error {
    color: var(--okid-error-color, #b42318);
  }
  .banner {
    margin: 0.75rem 0;
    padding: 0.5rem;
    border-radius: var(--okid-button-radius, 8px);
    background: var(--okid-warning-background, #fffaeb);
    color: var(--okid-warning-color, #93370d);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
