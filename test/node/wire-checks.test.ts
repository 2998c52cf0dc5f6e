/**
 * The browser's wire checks (src/core/wire-checks.ts, flow-config-check.ts: no zod) against the
 * zod schemas the server and the sandbox use (status-schemas.ts, capture-api-schemas.ts), on
 * generated input, valid and broken: each pair must accept the same values and return the same
 * copy, so the two cannot drift apart. A refusal names where the value went wrong.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod/mini';
import { DOCUMENT_SIDES, DOCUMENT_TYPES, LIVENESS_PROMPTS } from '../../src/core/capture-api.js';
import { FlowConfigSchema, FormFieldSchema } from '../../src/core/capture-api-schemas.js';
import { flowConfig, formField } from '../../src/core/flow-config-check.js';
import { FORM_FIELD_NAME, MAX_FORM_VALUE_LENGTH } from '../../src/core/form-fields.js';
import { OUTCOMES, PROGRESS_STEPS, STEP_STATES, Status, VERIFICATION_ID_PATTERN } from '../../src/core/status.js';
import { CreatedVerificationSchema, ProxyErrorBodySchema, StatusSnapshotSchema } from '../../src/core/status-schemas.js';
import { checkWire, createdVerification, proxyErrorBody, statusSnapshot, type Check } from '../../src/core/wire-checks.js';

/** Anything JSON can carry, and then some (undefined, NaN, ±Infinity, -0), and near misses. */
const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, 0, 1.5, 1001, '', [], {}, true, 'tok_', 'ver_ab', 'verified', 'Completed', 'done', 'visa', 'blink', 'top', 'Given', 'a'.repeat(65)),
);

/** A generator of valid values, and of values near them (valid mostly, junk somewhere). */
interface Gen {
  valid: fc.Arbitrary<unknown>;
  near: fc.Arbitrary<unknown>;
}

const leaf = (valid: fc.Arbitrary<unknown>): Gen => ({ valid, near: fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: junk }) });

const list = (item: Gen, maxLength: number): Gen => ({
  valid: fc.array(item.valid, { maxLength }),
  near: fc.oneof({ weight: 8, arbitrary: fc.array(item.near, { maxLength }) }, { weight: 1, arbitrary: junk }),
});

/** An object: every key valid, or near (one in a few keys off, absent, or extra keys beside). */
function record(shape: Record<string, Gen>, optionalKeys: string[] = []): Gen {
  const requiredKeys = Object.keys(shape).filter((key) => !optionalKeys.includes(key));
  const valid = fc.record(Object.fromEntries(Object.entries(shape).map(([key, gen]) => [key, gen.valid])), { requiredKeys });
  const nearShape = Object.fromEntries(Object.entries(shape).map(([key, gen]) => [key, gen.near]));
  return {
    valid,
    near: fc.oneof(
      { weight: 6, arbitrary: fc.record(nearShape, { requiredKeys }) },
      { weight: 1, arbitrary: fc.record(nearShape, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.tuple(valid, fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 })).map(([value, extra]) => ({ ...extra, ...value })) },
      { weight: 1, arbitrary: junk },
    ),
  };
}

const id = leaf(fc.stringMatching(VERIFICATION_ID_PATTERN));
const text = leaf(fc.string({ maxLength: 12 }));
const stepState = leaf(fc.constantFrom(...STEP_STATES));
const progress = record(Object.fromEntries(PROGRESS_STEPS.map((step) => [step, stepState])), [...PROGRESS_STEPS]);
const status = leaf(fc.constantFrom(...Object.values(Status)));
const outcome = leaf(fc.constantFrom(...OUTCOMES));

const snapshot = record({ verificationId: id, status, outcome, progress, updatedAt: text, expiresAt: text }, ['outcome']);

const field = record(
  {
    name: leaf(fc.stringMatching(FORM_FIELD_NAME)),
    type: text,
    required: leaf(fc.boolean()),
    maxLength: leaf(fc.integer({ min: 1, max: MAX_FORM_VALUE_LENGTH })),
    pattern: text,
    autocomplete: text,
    label: text,
  },
  ['maxLength', 'pattern', 'autocomplete', 'label'],
);

const flow = record(
  {
    verificationId: id,
    status,
    steps: list(leaf(fc.oneof(fc.constantFrom('terms', 'document', 'liveness', 'form_data'), fc.string({ maxLength: 8 }))), 5),
    documentTypes: list(record({ type: leaf(fc.constantFrom(...DOCUMENT_TYPES)), sides: list(leaf(fc.constantFrom(...DOCUMENT_SIDES)), 3) }), 3),
    liveness: record({ prompts: list(leaf(fc.constantFrom(...LIVENESS_PROMPTS)), 5) }),
    form: record({ fields: list(field, 4) }),
    progress,
    outcome,
    updatedAt: text,
    expiresAt: text,
    returnUrl: leaf(fc.oneof(fc.string({ maxLength: 12 }), fc.constant(null))),
    operator: record({ name: text, url: text }),
    deviceToken: text,
  },
  ['form', 'outcome', 'updatedAt', 'returnUrl', 'operator'],
);

/** Valid values and values near them, half and half. */
const values = (gen: Gen): fc.Arbitrary<unknown> => fc.oneof(gen.valid, gen.near);

/** Runs both on `runs` generated values; returns how many each side accepted, to prove both paths ran. */
function agree<T>(schema: z.ZodMiniType, check: Check<T>, values: fc.Arbitrary<unknown>, runs = 3000): { accepted: number; refused: number } {
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(values, (value) => {
      const zod = schema.safeParse(value);
      const ours = checkWire(check, value);
      assert.equal(ours.ok, zod.success, `zod ${zod.success ? 'accepts' : 'refuses'} ${JSON.stringify(value)}, the wire check ${ours.ok ? 'accepts' : `refuses (${ours.ok ? '' : ours.error.message})`}`);
      if (ours.ok && zod.success) assert.deepStrictEqual(ours.value, zod.data);
      seen[ours.ok ? 'accepted' : 'refused']++;
    }),
    { numRuns: runs },
  );
  return seen;
}

describe('wire checks and zod schemas agree', () => {
  const cases: [string, z.ZodMiniType, Check<unknown>, fc.Arbitrary<unknown>][] = [
    ['status snapshot', StatusSnapshotSchema, statusSnapshot, values(snapshot)],
    ['proxy error body', ProxyErrorBodySchema, proxyErrorBody, values(record({ error: text, code: text }))],
    ['created verification', CreatedVerificationSchema, createdVerification, values(record({ verificationId: id, verificationUrl: text, expiresAt: text }))],
    ['form field', FormFieldSchema, formField, values(field)],
    ['flow config', FlowConfigSchema, flowConfig, values(flow)],
  ];
  for (const [name, schema, check, values] of cases) {
    test(`${name}: the same values accepted, the same copy returned`, () => {
      const seen = agree(schema, check, values);
      // Both paths taken often enough to mean something.
      assert.ok(seen.accepted > 300 && seen.refused > 300, `accepted ${seen.accepted}, refused ${seen.refused}`);
    });
  }
});

describe('wire check refusals', () => {
  const valid = {
    verificationId: 'ver_abcd1234',
    status: 'in_progress',
    steps: ['document'],
    documentTypes: [{ type: 'passport', sides: ['front'] }],
    liveness: { prompts: [] },
    progress: {},
    expiresAt: '2026-12-07T12:00:00Z',
    deviceToken: 'device',
  };

  test('name the place and what was expected', () => {
    const bad = checkWire(flowConfig, { ...valid, documentTypes: [{ type: 'visa', sides: ['front'] }] });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error.message, /^documentTypes\[0\]\.type: expected one of passport, id_card, driving_licence$/);
    const field = checkWire(flowConfig, { ...valid, form: { fields: [{ name: 'age', type: 'text', required: true, maxLength: 0 }] } });
    assert.match(field.ok ? '' : field.error.message, /^form\.fields\[0\]\.maxLength: expected an integer from 1 to 1000$/);
    const top = checkWire(statusSnapshot, '<html>');
    assert.match(top.ok ? '' : top.error.message, /^the answer: expected an object$/);
  });

  test('drop unknown keys, as the server schemas do', () => {
    const checked = checkWire(flowConfig, { ...valid, secret: 'x', operator: { name: 'A', url: 'https://a.example', extra: 1 } });
    assert.ok(checked.ok);
    assert.deepEqual(checked.value, { ...valid, operator: { name: 'A', url: 'https://a.example' } });
  });
});
