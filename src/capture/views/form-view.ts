/**
 * The form step's screen, a pure function of (state, words, actions): a native input per field
 * with a visible label, its `autocomplete` token and the right mobile keyboard (`inputmode`), its
 * problem next to it (linked by `aria-describedby`), and on a failed submit a summary on top
 * whose links move to the fields. Values are bound as properties: shown back only as text. No
 * Lit directives: the script-tag capture chunk renders with the IIFE's Lit, which shares only
 * `html`, `nothing` and `css` (each input's value follows the state on every keystroke).
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { FormField } from '../../core/capture-api.js';
import { maxLengthOf } from '../../core/form-fields.js';
import type { CaptureWords } from './words.js';

/** What the form screen shows. */
export interface FormViewState {
  fields: readonly FormField[];
  values: Readonly<Record<string, string>>;
  /** A message per field that needs fixing. */
  errors: Readonly<Record<string, string>>;
  /** Whether the summary of the problems shows. */
  summary: boolean;
  busy: boolean;
}

/** What the person does on the form screen. */
export interface FormViewActions {
  input(name: string, value: string): void;
  change(name: string): void;
  submit(): void;
}

interface InputKind {
  type: 'text' | 'date' | 'email' | 'tel';
  inputmode?: 'text' | 'email' | 'tel' | 'numeric';
  autocomplete?: string;
  autocapitalize?: 'off' | 'words' | 'characters';
}

/** The native input of each known field type; any other type is a text input. */
const INPUTS: Record<string, InputKind> = {
  text: { type: 'text', inputmode: 'text', autocapitalize: 'words' },
  date: { type: 'date' },
  email: { type: 'email', inputmode: 'email', autocomplete: 'email', autocapitalize: 'off' },
  tel: { type: 'tel', inputmode: 'tel', autocomplete: 'tel', autocapitalize: 'off' },
  country: { type: 'text', inputmode: 'text', autocomplete: 'country-name', autocapitalize: 'words' },
  address_line: { type: 'text', inputmode: 'text', autocomplete: 'street-address', autocapitalize: 'words' },
  postal_code: { type: 'text', inputmode: 'text', autocomplete: 'postal-code', autocapitalize: 'characters' },
};

const inputOf = (field: FormField): InputKind => (Object.hasOwn(INPUTS, field.type) ? INPUTS[field.type]! : INPUTS.text!);

/** The id of a field's input (and, with `-error`, of its message) in the shadow root. */
export const fieldId = (name: string): string => `okid-field-${name}`;

/** A field's label: the element's words for its name, else the flow's label, else its name. */
export const fieldLabel = (field: FormField, words: CaptureWords): string =>
  (Object.hasOwn(words.form.fields, field.name) ? words.form.fields[field.name] : undefined) ?? field.label ?? field.name;

/** Moves the focus to a field from the summary (a shadow root's ids are not the page's anchors). */
function focusField(event: Event, name: string): void {
  event.preventDefault();
  const root = (event.currentTarget as HTMLElement).getRootNode() as ParentNode;
  root.querySelector<HTMLElement>(`#${fieldId(name)}`)?.focus();
}

function fieldView(field: FormField, state: FormViewState, words: CaptureWords, actions: FormViewActions): TemplateResult {
  const kind = inputOf(field);
  const id = fieldId(field.name);
  const error = Object.hasOwn(state.errors, field.name) ? state.errors[field.name] : undefined;
  return html`<div class="field" data-invalid=${error ? 'true' : 'false'}>
    <label for=${id}>${fieldLabel(field, words)}${field.required ? nothing : html` <span class="muted">${words.form.optional}</span>`}</label>
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : nothing}
    <input
      part="form-input"
      id=${id}
      name=${field.name}
      type=${kind.type}
      inputmode=${kind.inputmode ?? nothing}
      autocomplete=${field.autocomplete ?? kind.autocomplete ?? nothing}
      autocapitalize=${kind.autocapitalize ?? nothing}
      spellcheck="false"
      dir=${kind.type === 'text' ? 'auto' : 'ltr'}
      maxlength=${kind.type === 'date' ? nothing : maxLengthOf(field)}
      ?required=${field.required}
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${error ? `${id}-error` : nothing}
      .value=${state.values[field.name] ?? ''}
      @input=${(event: Event) => actions.input(field.name, (event.target as HTMLInputElement).value)}
      @change=${() => actions.change(field.name)}
    />
  </div>`;
}

function summaryView(state: FormViewState, words: CaptureWords): TemplateResult | typeof nothing {
  const problems = state.fields.filter((field) => Object.hasOwn(state.errors, field.name));
  const others = Object.keys(state.errors).filter((name) => !state.fields.some((field) => field.name === name));
  if (!state.summary || problems.length + others.length === 0) return nothing;
  return html`<div part="form-summary" class="form-summary" role="alert" tabindex="-1">
    <h3>${words.form.summaryTitle}</h3>
    <p>${words.form.summary(problems.length + others.length)}</p>
    <ul>
      ${problems.map(
        (field) => html`<li><a href=${`#${fieldId(field.name)}`} @click=${(event: Event) => focusField(event, field.name)}>${fieldLabel(field, words)}: ${state.errors[field.name]}</a></li>`,
      )}
      ${others.map((name) => html`<li>${name}: ${state.errors[name]}</li>`)}
    </ul>
  </div>`;
}

/** The form step's screen. */
export function formView(state: FormViewState, words: CaptureWords, actions: FormViewActions): TemplateResult {
  const submit = (event: Event): void => {
    event.preventDefault();
    actions.submit();
  };
  return html`<h2 tabindex="-1">${words.form.title}</h2>
    ${summaryView(state, words)}
    <p>${words.form.intro}</p>
    <form part="form" class="form" novalidate @submit=${submit}>
      ${state.fields.map((field) => fieldView(field, state, words, actions))}
      <button part="primary-button" class="primary" type="submit" ?disabled=${state.busy}>${state.busy ? words.submitting : words.form.submit}</button>
    </form>`;
}
