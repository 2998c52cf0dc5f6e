/**
 * The form step, in Chromium: the view from plain state (labels, autocomplete, keyboards, problems
 * linked to their fields, the summary, every language, axe), and the step in a capture flow
 * against the real sandbox (checks on the phone, the server's own per-field refusals, flows with a
 * subset of steps, and what stays on the phone).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, nothing } from 'lit';
import type { FormField } from '../../src/core/capture-api.js';
import { DEFAULT_FORM_FIELDS } from '../../src/core/capture-api.js';
import type { ResolvedConfig } from '../../src/core/config.js';
import type { OkidErrorDetail, StatusSnapshot } from '../../src/core/status.js';
import { CaptureFlow } from '../../src/capture/flow.js';
import { formDraftKey } from '../../src/capture/progress/form-draft.js';
import { forgetVerification } from '../../src/capture/progress/forget.js';
import { formView, type FormViewState } from '../../src/capture/views/form-view.js';
import type { CaptureWords } from '../../src/capture/views/words.js';
import { captureEn } from '../../src/i18n/en-capture.js';
import { loadTranslation } from '../../src/i18n/load.js';
import { LOCALES } from '../../src/i18n/locale.js';
import { mergeStrings } from '../../src/i18n/types.js';
import { sendKeys } from '@web/test-runner-commands';
import { sandbox } from './capture-support.js';
import { until } from './helpers.js';

const en = captureEn as CaptureWords;
const show = (view: unknown): Promise<HTMLElement> => fixture<HTMLElement>(html`<div>${view}</div>`);
const text = (el: Element | null | undefined): string => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
const noop = { input: () => {}, change: () => {}, submit: () => {} };
const state = (overrides: Partial<FormViewState> = {}): FormViewState => ({
  fields: DEFAULT_FORM_FIELDS,
  values: {},
  errors: {},
  summary: false,
  busy: false,
  ...overrides,
});

describe('form view', () => {
  it('a native input per field, with a visible label, its autocomplete token and the right keyboard', async () => {
    const fields: FormField[] = [
      ...DEFAULT_FORM_FIELDS,
      { name: 'phone', type: 'tel', required: false, autocomplete: 'tel' },
      { name: 'postal_code', type: 'postal_code', required: true, maxLength: 10, autocomplete: 'postal-code' },
      { name: 'favourite_colour', type: 'colour-picker', required: false, label: 'Favourite colour' },
    ];
    const el = await show(formView(state({ fields }), en, noop));
    const inputs = [...el.querySelectorAll('input')];
    expect(inputs.map((i) => [i.name, i.type, i.getAttribute('inputmode'), i.autocomplete])).to.deep.equal([
      ['given_names', 'text', 'text', 'given-name'],
      ['family_name', 'text', 'text', 'family-name'],
      ['date_of_birth', 'date', null, 'bday'],
      ['email', 'email', 'email', 'email'],
      ['phone', 'tel', 'tel', 'tel'],
      ['postal_code', 'text', 'text', 'postal-code'],
      // A type the element does not know is a text input, labelled with the flow's label.
      ['favourite_colour', 'text', 'text', ''],
    ]);
    for (const input of inputs) expect(text(el.querySelector(`label[for="${input.id}"]`))).to.not.equal('');
    expect(text(el.querySelector('label[for="okid-field-given_names"]'))).to.equal('Given names');
    expect(text(el.querySelector('label[for="okid-field-phone"]'))).to.equal('Phone number (optional)');
    expect(text(el.querySelector('label[for="okid-field-favourite_colour"]'))).to.equal('Favourite colour (optional)');
    expect(el.querySelector<HTMLInputElement>('#okid-field-given_names')!.maxLength).to.equal(100);
    expect(el.querySelector<HTMLInputElement>('#okid-field-given_names')!.required).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('problems sit next to their fields (aria-describedby) and in a summary whose links move to the fields', async () => {
    const errors = { given_names: en.form.errors.required, email: en.form.errors.email };
    const el = await show(formView(state({ errors, summary: true, values: { email: 'zoe@' } }), en, noop));
    const given = el.querySelector<HTMLInputElement>('#okid-field-given_names')!;
    expect(given.getAttribute('aria-invalid')).to.equal('true');
    expect(text(el.querySelector(`#${given.getAttribute('aria-describedby')}`))).to.equal(en.form.errors.required);
    expect(el.querySelector('#okid-field-family_name')!.hasAttribute('aria-describedby')).to.equal(false);
    const summary = el.querySelector<HTMLElement>('[part="form-summary"]')!;
    expect(summary.getAttribute('role')).to.equal('alert');
    expect(text(summary)).to.contain(en.form.summary(2));
    const links = [...summary.querySelectorAll('a')];
    expect(links.map(text)).to.deep.equal([`Given names: ${en.form.errors.required}`, `E-mail address: ${en.form.errors.email}`]);
    links[1]!.click();
    expect(document.activeElement).to.equal(el.querySelector('#okid-field-email'));
    await expect(el).to.be.accessible();
  });

  it('values and server messages are shown as text, never as markup', async () => {
    const values = { given_names: '<img src=x onerror="window.__pwned=1">', family_name: 'محمد' };
    const errors = { family_name: '<b>bold</b>' };
    const el = await show(formView(state({ values, errors, summary: true }), en, noop));
    expect(el.querySelector<HTMLInputElement>('#okid-field-given_names')!.value).to.equal(values.given_names);
    expect(el.querySelector('img')).to.equal(null);
    expect(el.querySelector('b')).to.equal(null);
    expect(text(el.querySelector('#okid-field-family_name-error'))).to.equal('<b>bold</b>');
    expect(el.querySelector<HTMLInputElement>('#okid-field-family_name')!.dir).to.equal('auto');
  });

  it('speaks every supported language (labels, messages, summary), axe-clean in each', async () => {
    for (const locale of LOCALES) {
      const translation = await loadTranslation(locale);
      const words = mergeStrings(en, translation?.capture) as CaptureWords;
      if (locale !== 'en') {
        expect(translation?.capture.form, `${locale} has the form's words`).to.not.equal(undefined);
        expect(Object.keys(translation!.capture.form.errors).sort(), locale).to.deep.equal(Object.keys(en.form.errors).sort());
        expect(words.form.fields.given_names, locale).to.not.equal(en.form.fields.given_names);
      }
      const el = await show(formView(state({ errors: { email: words.form.errors.email }, summary: true }), words, noop));
      expect(text(el.querySelector('h2'))).to.equal(words.form.title);
      expect(text(el.querySelector('label[for="okid-field-family_name"]'))).to.equal(words.form.fields.family_name);
      expect(text(el.querySelector('[part="form-summary"]'))).to.contain(words.form.summary(1));
      await expect(el).to.be.accessible();
    }
  });
});

/** A bare host: renders what the flow renders, as the element does in capture mode. */
class FormFlowHost extends LitElement {
  flow?: CaptureFlow;
  override render() {
    return this.flow?.render() ?? nothing;
  }
}
customElements.define('capture-form-test-host', FormFlowHost);

const ids: string[] = [];

async function start(extra: Record<string, unknown>) {
  const res = await fetch('/__sandbox/verifications', { method: 'POST', body: JSON.stringify({ extra_data: extra }) });
  const { verificationId } = (await res.json()) as { verificationId: string };
  ids.push(verificationId);
  const config: ResolvedConfig = {
    verificationId,
    mode: 'capture',
    capture: 'embedded',
    handoffUrl: `https://verify.example/verify?verification_id=${verificationId}`,
    hostedUrl: `https://verify.example/verify?verification_id=${verificationId}`,
    apiUrl: await sandbox(),
  };
  const host = await fixture<FormFlowHost>(html`<capture-form-test-host></capture-form-test-host>`);
  const seen: StatusSnapshot[] = [];
  const errors: OkidErrorDetail[] = [];
  const steps: unknown[] = [];
  // Funnel events too (okid-step), where the flow sends them: none may carry a typed value.
  const callbacks = { onSnapshot: (s: StatusSnapshot) => void seen.push(s), onError: (e: OkidErrorDetail) => void errors.push(e), onStep: (...args: unknown[]) => void steps.push(args) };
  host.flow = new CaptureFlow(host, config, callbacks);
  return { host, id: verificationId, seen, errors, steps };
}

const $ = <E extends Element = HTMLElement>(host: FormFlowHost, selector: string) => host.renderRoot.querySelector<E>(selector);
const heading = (host: FormFlowHost) => text($(host, 'h2'));
const details = async (id: string) => (await (await fetch(`/__sandbox/verifications/${id}`)).json()) as any;

/** Types into a field as an input event would carry it, and leaves it. */
function type(host: FormFlowHost, name: string, value: string): void {
  const input = $<HTMLInputElement>(host, `#okid-field-${name}`)!;
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

const submitForm = (host: FormFlowHost) => $<HTMLButtonElement>(host, 'form button[type="submit"]')!.click();

describe('form step in the capture flow', () => {
  afterEach(async () => {
    for (const id of ids.splice(0)) await forgetVerification(id);
  });

  it('terms, then the form: checked on the phone, sent once valid, kept on the phone only until the server has it', async () => {
    const { host, id, seen, errors, steps } = await start({ sandbox_flow: ['terms', 'form_data'] });
    await until(() => heading(host) === en.termsTitle, 'the terms');
    $<HTMLButtonElement>(host, 'button[part="primary-button"]')!.click();
    await until(() => heading(host) === en.form.title, 'the form follows the terms (no document, no face check)');
    submitForm(host);
    await until(() => $(host, '[part="form-summary"]') !== null, 'the summary shows');
    await host.updateComplete;
    expect((host.renderRoot as ShadowRoot).activeElement).to.equal($(host, '[part="form-summary"]'));
    expect(text($(host, '#okid-field-given_names-error'))).to.equal(en.form.errors.required);

    const person = { given_names: 'ليلى', family_name: "O'Connor-Ní Bhriain", date_of_birth: '1988-11-03', email: 'layla@example.org' };
    type(host, 'given_names', person.given_names);
    await host.updateComplete;
    expect($(host, '#okid-field-given_names-error'), 'fixed fields lose their message as the person types').to.equal(null);
    type(host, 'family_name', person.family_name);
    type(host, 'date_of_birth', '2999-01-01');
    type(host, 'email', person.email);
    submitForm(host);
    await until(() => text($(host, '#okid-field-date_of_birth-error')) === en.form.errors.future, 'a birth date in the future is refused on the phone');
    expect((await details(id)).status.progress.form_data).to.equal('pending');
    // Until the server has them, the values are kept for a reload.
    expect(JSON.parse(localStorage.getItem(formDraftKey(id)) ?? '{}').family_name).to.equal(person.family_name);

    type(host, 'date_of_birth', person.date_of_birth);
    submitForm(host);
    await until(() => seen.some((s) => s.status === 'completed'), 'the verification completes', 10_000);
    expect(localStorage.getItem(formDraftKey(id)), 'nothing of the form stays on the phone').to.equal(null);
    const done = await details(id);
    expect(done.results.form_data).to.deep.equal(person);
    expect(done.status.progress).to.deep.equal({ terms: 'completed', form_data: 'completed' });
    // What the page hears carries none of the values.
    const heard = JSON.stringify([seen, errors, steps]);
    for (const value of Object.values(person)) expect(heard).to.not.contain(value);
  });

  it('a reload mid-form brings back what was typed (kept only until sent)', async () => {
    const first = await start({ sandbox_flow: ['form_data'] });
    await until(() => heading(first.host) === en.form.title, 'the form');
    type(first.host, 'given_names', 'Björk');
    type(first.host, 'family_name', 'Guðmundsdóttir');
    // The page goes away (a reload, the tab killed) and the element starts again on the same verification.
    first.host.flow!.dispose();
    first.host.remove();
    const host = await fixture<FormFlowHost>(html`<capture-form-test-host></capture-form-test-host>`);
    host.flow = new CaptureFlow(host, { ...first.host.flow!.config }, { onSnapshot: () => {}, onError: () => {} });
    await until(() => heading(host) === en.form.title, 'the form again');
    expect($<HTMLInputElement>(host, '#okid-field-given_names')!.value).to.equal('Björk');
    expect($<HTMLInputElement>(host, '#okid-field-family_name')!.value).to.equal('Guðmundsdóttir');
    expect($<HTMLInputElement>(host, '#okid-field-email')!.value).to.equal('');
    host.flow.dispose();
  });

  it('shows the server’s own per-field refusals next to the fields', async () => {
    const { host } = await start({ sandbox_flow: ['form_data'] });
    await until(() => heading(host) === en.form.title, 'a form-only flow opens on the form');
    // A server stricter than the phone: the real sandbox refuses this given name (over its 100 characters).
    const client = host.flow!.client;
    const send = client.sendForm.bind(client);
    client.sendForm = (values, signal) => send({ ...values, given_names: 'x'.repeat(101) }, signal);
    type(host, 'given_names', 'Ana');
    type(host, 'family_name', 'Silva');
    type(host, 'date_of_birth', '1970-01-01');
    type(host, 'email', 'ana@example.org');
    submitForm(host);
    await until(() => $(host, '#okid-field-given_names-error') !== null, 'the server’s message shows by the field');
    expect(text($(host, '#okid-field-given_names-error'))).to.equal('At most 100 characters.');
    expect($(host, '#okid-field-given_names')!.getAttribute('aria-describedby')).to.equal('okid-field-given_names-error');
    expect(heading(host)).to.equal(en.form.title);
  });

  it('works by keyboard alone: Tab from field to field, type, Enter sends', async () => {
    const { host, id } = await start({ sandbox_flow: ['form_data'] });
    await until(() => heading(host) === en.form.title, 'the form');
    // Where the flow puts the focus on a new screen (and a screen reader starts): its heading.
    $(host, 'h2')!.focus();
    const focused = () => (host.renderRoot as ShadowRoot).activeElement?.id;
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('okid-field-given_names');
    await sendKeys({ type: 'Ngũgĩ' });
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('okid-field-family_name');
    await sendKeys({ type: 'wa Thiong’o' });
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('okid-field-date_of_birth');
    // The date input's own segments, in the browser's order (en-US: month, day, year).
    await sendKeys({ type: '01051938' });
    expect($<HTMLInputElement>(host, '#okid-field-date_of_birth')!.value).to.equal('1938-01-05');
    // Tab walks through the date's segments (and its picker button), then on.
    for (let i = 0; i < 5 && focused() !== 'okid-field-email'; i++) await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('okid-field-email');
    await sendKeys({ type: 'ngugi@example.org' });
    await sendKeys({ press: 'Enter' });
    await until(() => heading(host) !== en.form.title, 'Enter sends the form', 10_000);
    await until(() => text($(host, '[part="outcome"]')) !== '', 'the outcome shows', 10_000);
    expect((await details(id)).results.form_data).to.deep.equal({ given_names: 'Ngũgĩ', family_name: 'wa Thiong’o', date_of_birth: '1938-01-05', email: 'ngugi@example.org' });
  });

  it('a form of fields the element does not know still renders and sends', async () => {
    const { host, id } = await start({
      sandbox_flow: ['form_data'],
      sandbox_form: [{ name: 'loyalty_code', type: 'barcode', required: true, maxLength: 12, label: 'Loyalty code' }],
    });
    await until(() => heading(host) === en.form.title, 'the form');
    expect($<HTMLInputElement>(host, '#okid-field-loyalty_code')!.type).to.equal('text');
    type(host, 'loyalty_code', 'LC-0042');
    submitForm(host);
    await until(() => heading(host) !== en.form.title, 'the form is sent', 10_000);
    expect((await details(id)).status.progress.form_data).to.equal('completed');
  });
});
