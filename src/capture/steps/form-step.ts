/**
 * The form step (where the flow has `form_data`): the values the person types, checked on the
 * phone with the rules the server uses (core/form-fields.ts), sent with
 * `POST {api}/v1/flow/{id}/form`, and the server's per-field messages shown next to the fields.
 * The values are personal data: they go to the capture API and nowhere else, and stay on the
 * phone (form-draft.ts) only until the server has them.
 */
import type { FormField } from '../../core/capture-api.js';
import { checkForm, fieldProblem, maxLengthOf } from '../../core/form-fields.js';
import type { FormProblem } from '../../core/form-fields.js';
import { CaptureApiError } from '../capture-client.js';
import { FormDraft } from '../progress/form-draft.js';
import { markStepDone } from '../progress/resume.js';
import type { CaptureWords } from '../views/words.js';
import type { StepHost } from './step.js';

/** What the form step needs of the flow beside a step's usual host. */
export interface FormHost extends StepHost {
  readonly words: CaptureWords;
  notice?: string;
}

/** The phone's own date, `YYYY-MM-DD` (a birth date may be today, never tomorrow). */
const localToday = (): string => {
  const now = new Date();
  return `${String(now.getFullYear()).padStart(4, '0')}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};

/** The message of a problem of `field`, in the page's language. */
export function problemText(words: CaptureWords, problem: FormProblem, field: FormField | undefined): string {
  const errors = words.form.errors;
  return problem === 'too_long' ? errors.too_long(field ? maxLengthOf(field) : 1000) : errors[problem];
}

/** The running form of one visit to the step; its send ends when `signal` aborts. */
export class FormStep {
  /** What the person typed, by field name. */
  readonly values: Record<string, string>;
  /** A message per field that needs fixing. */
  errors: Record<string, string> = {};
  /** The summary of the problems shows (after a submit that found some). */
  summary = false;
  /** The values are on their way to the server. */
  sending = false;
  readonly #draft: FormDraft;

  readonly #flow: FormHost;
  readonly #signal: AbortSignal;

  constructor(flow: FormHost, signal: AbortSignal) {
    this.#flow = flow;
    this.#signal = signal;
    this.#draft = new FormDraft(flow.client.verificationId);
    const kept = this.#draft.read();
    this.values = Object.fromEntries(this.fields.map((field) => [field.name, kept[field.name] ?? '']));
  }

  /** The fields the flow config lists. */
  get fields(): FormField[] {
    return this.#flow.verification?.form?.fields ?? [];
  }

  /** A keystroke: the value changes; a field showing a problem is checked again as the person fixes it. */
  readonly input = (name: string, value: string): void => {
    this.values[name] = value;
    if (this.errors[name] === undefined) return;
    const field = this.fields.find((f) => f.name === name);
    const problem = field && fieldProblem(field, value, localToday());
    const { [name]: _, ...rest } = this.errors;
    this.errors = problem ? { ...rest, [name]: problemText(this.#flow.words, problem, field) } : rest;
    this.#flow.host.requestUpdate();
  };

  /** A field was left: what was typed is kept until the server has it (a reload resumes). */
  readonly change = (): void => this.#draft.write(this.values);

  /** Checks every field, then sends the values; problems show next to their fields and in the summary. */
  readonly submit = async (): Promise<void> => {
    if (this.sending) return;
    const checked = checkForm(this.fields, this.values, localToday());
    if (!checked.ok) return this.#showProblems(Object.fromEntries(Object.entries(checked.problems).map(([name, problem]) => [name, problemText(this.#flow.words, problem, this.fields.find((f) => f.name === name))])));
    this.#draft.write(this.values);
    this.sending = true;
    this.#flow.notice = undefined;
    this.#flow.host.requestUpdate();
    try {
      await this.#flow.client.sendForm(checked.values, this.#signal);
    } catch (error) {
      if (this.#signal.aborted) return;
      this.sending = false;
      if (error instanceof CaptureApiError && error.fields && Object.keys(error.fields).length > 0) return this.#showProblems(error.fields);
      if (error instanceof CaptureApiError && error.retryable) {
        this.#flow.notice = this.#flow.words.networkProblem;
        return this.#flow.host.requestUpdate();
      }
      return this.#flow.handleApiError(error);
    }
    // The server has them: nothing of them stays on this phone.
    this.#draft.clear();
    this.#flow.emitStep('form_submitted');
    this.sending = false;
    if (this.#signal.aborted) return;
    if (this.#flow.verification) markStepDone(this.#flow.verification, 'form_data');
    this.#flow.go({ name: 'sending' });
  };

  /** Shows `errors` next to their fields and the summary on top, which takes the focus. */
  #showProblems(errors: Record<string, string>): void {
    this.errors = errors;
    this.summary = true;
    this.#flow.host.requestUpdate();
    void this.#flow.host.updateComplete.then(() => {
      if (!this.#signal.aborted) this.#flow.host.renderRoot.querySelector<HTMLElement>('[part="form-summary"]')?.focus();
    });
  }
}
