import { css } from 'lit';

/**
 * Styles of the capture steps, adopted into the element's shadow root when the capture chunk
 * loads (a constructed stylesheet: no inline style, so a strict CSP needs no 'unsafe-inline').
 */
export const captureStyles = css`
  .camera {
    position: relative;
    overflow: hidden;
    margin: 0.75rem auto;
    border-radius: var(--okid-radius, 12px);
    background: #000;
    aspect-ratio: 3 / 4;
    max-height: 60vh;
  }
  .camera.document {
    aspect-ratio: 4 / 3;
  }
  .camera video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  .camera video.mirrored {
    transform: scaleX(-1);
  }
  .guide {
    position: absolute;
    inset: 0;
    margin: auto;
    pointer-events: none;
    box-shadow: 0 0 0 100vmax rgb(0 0 0 / 45%);
    border: 3px solid var(--okid-guide-color, #fff);
  }
  .guide.card {
    width: 86%;
    aspect-ratio: 85.6 / 54;
    height: auto;
    border-radius: 4%;
  }
  .guide.oval {
    width: 62%;
    height: 72%;
    border-radius: 50%;
  }
  /* Headings take focus when a step begins (for screen readers); they are not controls. */
  h2[tabindex='-1']:focus {
    outline: none;
  }
  .guidance {
    min-height: 1.5em;
    font-weight: 600;
  }
  .still {
    display: block;
    width: 100%;
    max-height: 50vh;
    object-fit: contain;
    margin: 0.75rem 0;
    border-radius: var(--okid-button-radius, 8px);
  }
  /* button.primary is the element's own rule; a label styled as a button needs it too. */
  .button.primary {
    background: var(--okid-accent, #1d4ed8);
    color: var(--okid-accent-contrast, #fff);
  }
  button.shutter {
    min-width: 10rem;
  }
  .camera-controls {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.5rem;
    margin-top: 0.5rem;
  }
  .camera-controls [aria-pressed='true'] {
    border-color: var(--okid-accent, #1d4ed8);
    box-shadow: inset 0 0 0 2px var(--okid-accent, #1d4ed8);
  }
  .choices {
    display: grid;
    gap: 0.5rem;
    margin: 1rem 0;
  }
  .list {
    text-align: start;
  }
  /* The form step: one column of labelled native inputs, the problem between label and input. */
  .form,
  .form-summary {
    text-align: start;
  }
  .field {
    display: grid;
    gap: 0.25rem;
    margin: 0 0 1rem;
  }
  .field label {
    font-weight: 600;
  }
  .field input {
    min-height: 44px;
    box-sizing: border-box;
    width: 100%;
    padding: 0.5rem 0.75rem;
    font: inherit;
    color: inherit;
    background: var(--okid-background, #fff);
    border: 1px solid var(--okid-input-border-color, #667085);
    border-radius: var(--okid-button-radius, 8px);
  }
  .field input:focus-visible {
    outline: 3px solid var(--okid-focus-color, #f79009);
    outline-offset: 2px;
  }
  .field[data-invalid='true'] input {
    border: 2px solid var(--okid-error-color, #b42318);
  }
  .field-error {
    margin: 0;
    color: var(--okid-error-color, #b42318);
    font-weight: 600;
  }
  .form-summary {
    margin: 0 0 1rem;
    padding: 0.75rem 1rem;
    border: 3px solid var(--okid-error-color, #b42318);
    border-radius: var(--okid-button-radius, 8px);
  }
  .form-summary h3 {
    margin: 0 0 0.25rem;
    font-size: 1.05rem;
  }
  .form-summary a {
    color: var(--okid-error-color, #b42318);
  }
  .form .primary {
    width: 100%;
  }
  label.file {
    position: relative;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: 44px;
    padding: 0.5rem 1rem;
    border-radius: var(--okid-button-radius, 8px);
    cursor: pointer;
  }
  label.file:focus-within {
    outline: 3px solid var(--okid-focus-color, #f79009);
    outline-offset: 2px;
  }
  label.file input {
    position: absolute;
    inset: 0;
    opacity: 0;
    cursor: pointer;
  }
  /* The stop link: a button (it acts, it does not navigate) that reads as a quiet link, with the
     same 44 px target as every control, on its own line below the step. */
  button.link {
    border-color: transparent;
    background: transparent;
    color: var(--okid-accent, #1d4ed8);
    text-decoration: underline;
    text-underline-offset: 0.15em;
  }
  button.stop {
    display: flex;
    margin: 1rem auto 0;
  }
  progress {
    width: 100%;
    accent-color: var(--okid-accent, #1d4ed8);
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      transition: none;
      animation: none;
    }
  }
  /* Who asked for this verification (the first screen): name and host stand out, both wrap. */
  .operator {
    margin: 0.75rem 0;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--okid-border-color, #d0d5dd);
    border-radius: var(--okid-button-radius, 8px);
    overflow-wrap: anywhere;
  }
  .operator p {
    margin: 0.25rem 0;
  }
  .operator-name {
    font-weight: 600;
    font-size: 1.1em;
  }
  .operator-host {
    font-weight: 600;
  }
`;
