/**
 * Flows with any subset of okID's steps, and the form step, over real HTTP against a real
 * sandbox: `startSandbox({ flow })`, `extra_data.sandbox_flow`, what generate, the flow config,
 * the details and the webhooks say for each flow, what submit asks for, and how
 * `POST /v1/flow/{id}/form` checks values (a bad one → 400 naming the field, nothing stored).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseCliArgs } from '../../src/sandbox/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { KEY, acceptTerms, call, createV2, details, jpeg, openFlow, putCapture, waitFor, waitForOutcome } from './sandbox-helpers.js';
import type { Json } from './sandbox-helpers.js';

const PERSON = { given_names: 'Zoë Ann-Marie', family_name: "O'Brien-Núñez", date_of_birth: '1990-02-28', email: 'zoe@example.org' };

const sendForm = (sandbox: Sandbox, id: string, token: string, values: unknown, raw?: string): Promise<Json> =>
  call(sandbox, `/v1/flow/${id}/form`, {
    method: 'POST',
    headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' },
    body: raw ?? JSON.stringify(values),
  });

const submitBody = (sandbox: Sandbox, id: string, token: string, body: unknown): Promise<Json> =>
  call(sandbox, `/v1/flow/${id}/submit`, {
    method: 'POST',
    headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

async function generate(sandbox: Sandbox, extra: Record<string, unknown> = {}): Promise<Json> {
  return call(sandbox, '/api/generate-verification', {
    method: 'POST',
    headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ extra_data: extra }),
  });
}

/** Opens the flow and accepts the terms when the flow has them. */
async function openAndAgree(sandbox: Sandbox, id: string): Promise<{ token: string; prompts: string[]; flow: any }> {
  const flow = (await call(sandbox, `/v1/flow/${id}`)).body;
  if (flow.steps.includes('terms')) assert.equal((await acceptTerms(sandbox, id, flow.deviceToken)).status, 200);
  return { token: flow.deviceToken, prompts: flow.liveness.prompts, flow };
}

describe('flows with any subset of steps', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(() => sandbox?.close());

  test('the default flow stays terms, document, liveness, with the form off', async () => {
    const res = await generate(sandbox);
    assert.deepEqual(res.body.flow, ['terms', 'document', 'liveness']);
    assert.equal(res.body.modules.form_data.enabled, false);
    const flow = (await call(sandbox, `/v1/flow/${res.body.verificationId}`)).body;
    assert.deepEqual(flow.steps, ['terms', 'document', 'liveness']);
    assert.equal(flow.form, undefined);
    assert.deepEqual(Object.keys(flow.progress), ['terms', 'document', 'liveness']);
  });

  test('document only: no face captures asked or accepted, submit needs the document alone', async () => {
    const res = await generate(sandbox, { sandbox_flow: ['document'] });
    assert.deepEqual(res.body.flow, ['document']);
    assert.deepEqual(
      Object.fromEntries(Object.entries(res.body.modules).map(([k, v]: [string, any]) => [k, v.enabled])),
      { terms: false, document: true, liveness: false, form_data: false },
    );
    const id = res.body.verificationId;
    const { token, flow } = await openAndAgree(sandbox, id);
    assert.deepEqual(flow.steps, ['document']);
    assert.deepEqual(flow.liveness.prompts, []);
    assert.deepEqual(flow.progress, { document: 'pending' });
    // No terms step: captures are accepted at once; a face capture is not part of this flow.
    assert.equal((await putCapture(sandbox, id, token, 'selfie', jpeg())).status, 400);
    assert.equal((await putCapture(sandbox, id, token, 'document_front', jpeg())).status, 201);
    assert.deepEqual((await submitBody(sandbox, id, token, { documentType: 'id_card' })).body.missing, ['document_back']);
    assert.equal((await submitBody(sandbox, id, token, { documentType: 'passport' })).status, 202);
    const done = await waitForOutcome(sandbox, id);
    assert.equal(done.body.status.current, 'verified');
    assert.deepEqual(done.body.status.progress, { document: 'completed' });
    assert.deepEqual(Object.keys(done.body.results), ['document']);
  });

  test('face only: no document asked, submit needs no document type', async () => {
    const res = await generate(sandbox, { sandbox_flow: 'terms,liveness' });
    assert.deepEqual(res.body.flow, ['terms', 'liveness']);
    const id = res.body.verificationId;
    const { token, prompts, flow } = await openAndAgree(sandbox, id);
    assert.deepEqual(flow.documentTypes, []);
    assert.equal(prompts.length, 3);
    assert.equal((await putCapture(sandbox, id, token, 'document_front', jpeg())).status, 400);
    assert.deepEqual((await submitBody(sandbox, id, token, {})).body.missing, ['selfie', 'liveness_0', 'liveness_1', 'liveness_2']);
    for (const kind of ['selfie', ...prompts.map((_, n) => `liveness_${n}`)]) assert.equal((await putCapture(sandbox, id, token, kind, jpeg())).status, 201);
    assert.equal((await submitBody(sandbox, id, token, {})).status, 202);
    const done = await waitForOutcome(sandbox, id);
    assert.deepEqual(done.body.status.progress, { terms: 'completed', liveness: 'completed' });
    assert.deepEqual(Object.keys(done.body.results), ['liveness']);
  });

  test('all four: the form is part of progress and submit, and its values reach results.form_data', async () => {
    const res = await generate(sandbox, { sandbox_flow: ['form_data', 'liveness', 'document', 'terms'] });
    assert.deepEqual(res.body.flow, ['terms', 'document', 'liveness', 'form_data'], 'okID’s order, whatever the order asked');
    assert.deepEqual(res.body.modules.form_data.fields.map((f: any) => f.name), ['given_names', 'family_name', 'date_of_birth', 'email']);
    const id = res.body.verificationId;
    const { token, prompts, flow } = await openAndAgree(sandbox, id);
    assert.deepEqual(
      flow.form.fields.map((f: any) => [f.name, f.type, f.required, f.autocomplete]),
      [
        ['given_names', 'text', true, 'given-name'],
        ['family_name', 'text', true, 'family-name'],
        ['date_of_birth', 'date', true, 'bday'],
        ['email', 'email', true, 'email'],
      ],
    );
    for (const kind of ['document_front', 'selfie', ...prompts.map((_, n) => `liveness_${n}`)]) {
      assert.equal((await putCapture(sandbox, id, token, kind, jpeg())).status, 201);
    }
    assert.deepEqual((await submitBody(sandbox, id, token, { documentType: 'passport' })).body.missing, ['form_data']);
    const sent = await sendForm(sandbox, id, token, PERSON);
    assert.equal(sent.status, 200);
    assert.equal(sent.body.progress.form_data, 'completed');
    // Before the outcome, the operator sees progress but no values.
    const before = await details(sandbox, id);
    assert.equal(before.body.status.progress.form_data, 'completed');
    assert.doesNotMatch(JSON.stringify(before.body), /Brien/);
    assert.equal((await submitBody(sandbox, id, token, { documentType: 'passport' })).status, 202);
    const done = await waitForOutcome(sandbox, id);
    assert.deepEqual(done.body.results.form_data, PERSON);
    assert.deepEqual(Object.keys(done.body.results), ['document', 'liveness', 'form_data']);
  });

  test('a bad sandbox_flow is a 400 naming it; startSandbox and --flow refuse bad flows too', async () => {
    for (const bad of [[], ['document', 'selfie'], 'document,document', 42]) {
      const res = await generate(sandbox, { sandbox_flow: bad });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.match(res.body.details, /sandbox_flow/);
    }
    await assert.rejects(startSandbox({ port: 0, flow: [] }), /flow/);
    assert.deepEqual(parseCliArgs(['--flow', 'terms,document,liveness,form_data'])?.flow, ['terms', 'document', 'liveness', 'form_data']);
    assert.deepEqual(parseCliArgs(['--flow', 'form_data, document'])?.flow, ['document', 'form_data']);
    assert.throws(() => parseCliArgs(['--flow', 'document,camera']), /--flow .*camera/);
  });
});

describe('startSandbox({ flow }) and the webhooks that follow it', () => {
  let sandbox: Sandbox;
  let receiver: Server;
  const deliveries: any[] = [];
  before(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        deliveries.push(JSON.parse(raw));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0, flow: ['form_data', 'document'], webhookUrl, webhookSecret: 'whsec_flows' });
  });
  after(async () => {
    await sandbox?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('every verification takes the option’s flow; progress webhooks name only its steps; the completion carries the form', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    assert.equal((await putCapture(sandbox, id, token, 'document_front', jpeg())).status, 201);
    assert.equal((await sendForm(sandbox, id, token, PERSON)).status, 200);
    assert.equal((await submitBody(sandbox, id, token, { documentType: 'passport' })).status, 202);
    const completed = await waitFor(
      async () => deliveries.find((d) => d.data.id === id && d.event === 'verification.completed'),
      (d) => d !== undefined,
      5000,
    );
    assert.deepEqual(completed.data.progress, { document: 'completed', form_data: 'completed' });
    assert.deepEqual(completed.data.form_data, PERSON);
    const others = deliveries.filter((d) => d.data.id === id && d.event !== 'verification.completed');
    assert.ok(others.length > 0);
    for (const d of others) {
      assert.deepEqual(Object.keys(d.data.progress), ['document', 'form_data']);
      assert.equal(d.data.form_data, undefined, 'values go only with the outcome');
    }
    // A verification may still pick its own flow.
    const own = await call(sandbox, '/api/generate-verification', {
      method: 'POST',
      headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ extra_data: { sandbox_flow: ['liveness'] } }),
    });
    assert.deepEqual(own.body.flow, ['liveness']);
  });
});

describe('POST /v1/flow/{id}/form', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0, flow: ['terms', 'form_data'] });
  });
  after(() => sandbox?.close());

  const open = async () => {
    const id = await createV2(sandbox);
    const { token } = await openAndAgree(sandbox, id);
    return { id, token };
  };

  test('each bad value → 400 with that field named in fields, and nothing stored', async () => {
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...PERSON, given_names: 'x'.repeat(101) }, 'given_names'],
      [{ ...PERSON, family_name: 'Smith\u0000' }, 'family_name'],
      [{ ...PERSON, family_name: 'Smith\nJones' }, 'family_name'],
      [{ ...PERSON, date_of_birth: '1990-02-30' }, 'date_of_birth'],
      [{ ...PERSON, date_of_birth: 'yesterday' }, 'date_of_birth'],
      [{ ...PERSON, date_of_birth: tomorrow }, 'date_of_birth'],
      [{ ...PERSON, email: 'not-an-address' }, 'email'],
      [{ ...PERSON, nickname: 'Zo' }, 'nickname'],
      [{ ...PERSON, ['__proto__']: 'x' }, '__proto__'],
      [{ given_names: PERSON.given_names, date_of_birth: PERSON.date_of_birth, email: PERSON.email }, 'family_name'],
      [{ ...PERSON, email: 42 }, 'email'],
    ];
    const { id, token } = await open();
    for (const [values, field] of cases) {
      // JSON.stringify keeps a computed `__proto__` key as an own property, as a hostile client would send it.
      const res = await sendForm(sandbox, id, token, values);
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string');
      assert.ok(res.body.details.includes(field), res.body.details);
      assert.deepEqual(Object.keys(res.body.fields), [field], JSON.stringify(res.body.fields));
      assert.equal(typeof res.body.fields[field], 'string');
    }
    const flow = (await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } })).body;
    assert.equal(flow.progress.form_data, 'pending', 'nothing was stored');
  });

  test('a value of 1,000+ characters, a body over 16 KiB, or not JSON is refused', async () => {
    const { id, token } = await open();
    const huge = await sendForm(sandbox, id, token, { ...PERSON, given_names: 'é'.repeat(9000) });
    assert.equal(huge.status, 413);
    const notJson = await sendForm(sandbox, id, token, undefined, 'given_names=Zoe');
    assert.equal(notJson.status, 400);
    const list = await sendForm(sandbox, id, token, [PERSON]);
    assert.equal(list.status, 400);
  });

  test('a form before the terms is refused; the form of a flow without one is a 400', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    assert.equal((await sendForm(sandbox, id, token, PERSON)).status, 409);
    const other = await createV2(sandbox, { extra_data: { sandbox_flow: ['document'] } });
    const opened = await openFlow(sandbox, other);
    assert.equal((await sendForm(sandbox, other, opened.token, PERSON)).status, 400);
  });

  test('names in any script, with accents, apostrophes, hyphens and right-to-left text are accepted as sent', async () => {
    const samples = ['محمد عبد الله', 'יעקב', '山田 太郎', 'Ngũgĩ wa Thiong’o', "D'Arcy-Ó Súilleabháin", 'Σωκράτης', 'Алёна', 'ꯃꯤꯇꯩ', 'Nguyễn Thị Minh Khai'];
    const { id, token } = await open();
    for (const name of samples) {
      const res = await sendForm(sandbox, id, token, { ...PERSON, given_names: name, family_name: name });
      assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
    }
    // Generated names: any letters and marks of any script, with spaces, apostrophes and hyphens.
    const letter = fc.constantFrom(...'aéøßçñłžאבגדابتثحکگ漢字かなカナ한글ÆÞğİıǅ'.split(''), 'e\u0301', 'ن\u064e');
    const part = fc.array(letter, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
    const name = fc.array(part, { minLength: 1, maxLength: 4 }).chain((parts) => fc.constantFrom(' ', '-', "'", '’').map((sep) => parts.join(sep)));
    await fc.assert(
      fc.asyncProperty(name, async (value) => {
        const res = await sendForm(sandbox, id, token, { ...PERSON, given_names: value });
        assert.equal(res.status, 200, `${JSON.stringify(value)}: ${JSON.stringify(res.body)}`);
      }),
      { numRuns: 60 },
    );
  });

  test('a form of other fields (extra_data.sandbox_form): optional fields, patterns and types the element may not know', async () => {
    const fields = [
      { name: 'phone', type: 'tel', required: false, autocomplete: 'tel', pattern: '\\+?[0-9 ]{6,20}' },
      { name: 'postal_code', type: 'postal_code', required: true, maxLength: 10, autocomplete: 'postal-code' },
      { name: 'favourite_colour', type: 'colour', required: false },
    ];
    const id = await createV2(sandbox, { extra_data: { sandbox_form: fields } });
    const { token, flow } = await openAndAgree(sandbox, id);
    assert.deepEqual(flow.form.fields, fields);
    assert.deepEqual(Object.keys((await sendForm(sandbox, id, token, { phone: 'call me', postal_code: '1011 AB' })).body.fields), ['phone']);
    // A field without maxLength still takes at most 1,000 characters.
    assert.deepEqual(Object.keys((await sendForm(sandbox, id, token, { postal_code: '1011 AB', favourite_colour: 'x'.repeat(1001) })).body.fields), ['favourite_colour']);
    assert.equal((await sendForm(sandbox, id, token, { postal_code: '1011 AB', favourite_colour: 'x'.repeat(1000) })).status, 200);
    for (const field of [{ name: 'Bad Name', type: 'text', required: true }, { name: 'code', type: 'text', required: true, maxLength: 0 }, { name: 'code', type: 'text', required: true, maxLength: 2.5 }, { name: 'code', type: 'text', required: true, maxLength: 1001 }]) {
      assert.equal((await generate(sandbox, { sandbox_form: [field] })).status, 400, JSON.stringify(field));
    }
  });
});
