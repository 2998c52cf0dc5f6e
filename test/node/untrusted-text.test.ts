/**
 * Text that others write and a person reads or a server runs: form-field patterns (they must
 * run in bounded time), form values and the operator's name (no direction overrides or
 * zero-width characters), over a real sandbox on 127.0.0.1 and through the rules the phone
 * shares (core/form-fields.ts, core/safe-pattern.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/sandbox/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { MAX_FORM_VALUE_LENGTH, fieldProblem } from '../../src/core/form-fields.js';
import { MAX_PATTERN_LENGTH, patternProblem } from '../../src/core/safe-pattern.js';
import { KEY, acceptTerms, call } from './sandbox-helpers.js';
import type { Json } from './sandbox-helpers.js';

const generate = (sandbox: Sandbox, extra: Record<string, unknown>): Promise<Json> =>
  call(sandbox, '/api/generate-verification', {
    method: 'POST',
    headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ extra_data: extra }),
  });

/** A verification whose only step is a form of `fields`, opened by a phone: its id and device token. */
async function formFlow(sandbox: Sandbox, fields: unknown[]): Promise<{ id: string; token: string }> {
  const created = await generate(sandbox, { sandbox_flow: ['terms', 'form_data'], sandbox_form: fields });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.verificationId as string;
  const token = (await call(sandbox, `/v1/flow/${id}`)).body.deviceToken as string;
  assert.equal((await acceptTerms(sandbox, id, token)).status, 200);
  return { id, token };
}

const sendForm = (sandbox: Sandbox, id: string, token: string, values: unknown): Promise<Json> =>
  call(sandbox, `/v1/flow/${id}/form`, { method: 'POST', headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' }, body: JSON.stringify(values) });

describe('form-field patterns run in bounded time', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(() => sandbox?.close());

  test('a pattern that could backtrack is refused at generate, with a 400 naming the field', async () => {
    for (const [pattern, why] of [
      ['(a+)+', /nested quantifiers/],
      ['(a|aa)*b', /nested quantifiers/],
      ['([a-z]?)+', /nested quantifiers/],
      ['\\d*\\d*\\d*', /open-ended repetitions/],
      ['(\\w+)\\1', /backreference/],
      ['(?=a+)a', /lookahead or lookbehind/],
      ['x'.repeat(MAX_PATTERN_LENGTH + 1), /longer than 200 characters/],
      ['[', /not a valid regular expression/],
    ] as const) {
      const started = Date.now();
      const res = await generate(sandbox, { sandbox_flow: ['form_data'], sandbox_form: [{ name: 'nickname', type: 'text', required: true, pattern }] });
      assert.equal(res.status, 400, pattern);
      assert.equal(res.body.error, 'Invalid sandbox_form');
      assert.match(res.body.details, /field 0 \(nickname\): its pattern/);
      assert.match(res.body.details, why);
      assert.ok(Date.now() - started < 1000, 'answered at once');
    }
  });

  test('a safe pattern is kept and enforced, on the longest value too', async () => {
    const { id, token } = await formFlow(sandbox, [{ name: 'code', type: 'text', required: true, pattern: '[A-Z]{2}\\d*\\d*' }]);
    const bad = await sendForm(sandbox, id, token, { code: `AB${'1'.repeat(MAX_FORM_VALUE_LENGTH - 3)}x` });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body.fields), ['code']);
    assert.equal((await sendForm(sandbox, id, token, { code: `AB${'1'.repeat(MAX_FORM_VALUE_LENGTH - 2)}` })).status, 200);
  });

  test('the phone never runs a pattern a hostile flow config sends: every value is refused instead', () => {
    const field = { name: 'nickname', type: 'text', required: true, pattern: '(a+)+$' };
    assert.equal(patternProblem(field.pattern)?.includes('nested quantifiers'), true);
    // Were it run, 40 "a"s and a "!" would take hours; the check refuses it without running it.
    assert.equal(fieldProblem(field, `${'a'.repeat(40)}!`, '2026-01-01'), 'pattern');
    assert.equal(fieldProblem(field, 'aaa', '2026-01-01'), 'pattern');
  });

  test('the usual form patterns pass the check', () => {
    for (const pattern of ['\\+?[0-9 ]{6,20}', '[A-Z]{1,2}[0-9R][0-9A-Z]? ?[0-9][A-Z]{2}', '\\d{4} ?[A-Z]{2}', '(?:\\d{3})+', '\\p{L}+(?: \\p{L}+)?', '[^@\\s]+@[^@\\s]+', '(?<year>\\d{4})-\\d{2}']) {
      assert.equal(patternProblem(pattern), undefined, pattern);
    }
  });
});

describe('direction overrides and zero-width characters', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(() => sandbox?.close());

  const HIDDEN = ['\u202a', '\u202e', '\u2066', '\u2069', '\u200b', '\u200d', '\u200f'];

  test('are refused in form values, by the sandbox (400 naming the field) and by the phone\'s rules', async () => {
    const fields = [
      { name: 'given_names', type: 'text', required: true },
      { name: 'family_name', type: 'text', required: true },
    ];
    for (const hidden of HIDDEN) {
      const { id, token } = await formFlow(sandbox, fields);
      const res = await sendForm(sandbox, id, token, { given_names: 'Ann', family_name: `Smith${hidden}htims` });
      assert.equal(res.status, 400, `U+${hidden.codePointAt(0)!.toString(16)}`);
      assert.deepEqual(Object.keys(res.body.fields), ['family_name']);
      assert.match(res.body.fields.family_name, /direction overrides, zero-width/);
      assert.equal(fieldProblem(fields[1]!, `Smith${hidden}`, '2026-01-01'), 'control');
      assert.equal((await sendForm(sandbox, id, token, { given_names: 'Zoë Ann-Marie', family_name: "O'Brien-Núñez" })).status, 200, 'plain names still pass');
    }
  });

  test("are refused in the operator's name, as an option and as a flag", async () => {
    for (const hidden of HIDDEN) {
      await assert.rejects(
        startSandbox({ port: 0, operator: { name: `Acme${hidden}Rentals`, url: 'https://rentals.example' } }),
        /operator name must not contain direction overrides .* or zero-width characters/,
      );
    }
    const errors: string[] = [];
    const result = await main(['--port', '0', '--operator-name', 'Acme \u202eslatneR', '--operator-url', 'https://rentals.example'], { out: () => {}, err: (l) => errors.push(l), handleSignals: false, env: {} });
    assert.equal(result, undefined);
    assert.equal(process.exitCode, 2);
    process.exitCode = 0;
    assert.match(errors[0] ?? '', /--operator-name: name must not contain direction overrides/);
  });
});
