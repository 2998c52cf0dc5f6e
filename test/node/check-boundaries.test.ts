/**
 * The boundary check (scripts/check-boundaries.js) on small trees built for each test: it must
 * pass a tree that keeps the rules and name each kind of mistake, including a dynamic `import()`
 * that a regex reading only static imports would miss.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, test } from 'node:test';
import { checkBoundaries } from '../../scripts/check-boundaries.js';

const roots: string[] = [];

/** A project folder holding `files` (paths relative to it), removed after the test. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'okid-boundaries-'));
  roots.push(root);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A tree that keeps every rule: core ← i18n ← {element, capture}, and the element's chunk loader. */
const CLEAN = {
  'src/core/status.ts': 'export const ok = 1;\n',
  'src/i18n/en.ts': "import { ok } from '../core/status.js';\nexport const en = { ok };\n",
  'src/capture/flow.ts': "import { en } from '../i18n/en.js';\nimport type { X } from '../core/status.js';\nexport const flow = en;\n",
  'src/element/load-capture.ts': "export const load = () => import('../capture/flow.js');\n",
  'src/element/element.ts': "import { load } from './load-capture.js';\nexport { load };\n",
};

test('a tree that keeps the rules has no problems', () => {
  assert.deepEqual(checkBoundaries(tree(CLEAN)), []);
});

test('catches a forbidden dynamic import outside the chunk loader', () => {
  const problems = checkBoundaries(
    tree({ ...CLEAN, 'src/i18n/load.ts': "export const words = () => import(/* @vite-ignore */ '../element/element.js');\n" }),
  );
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^src\/i18n\/load\.ts dynamically imports \.\.\/element\/element\.js: src\/i18n may import only src\/core/);
});

test('catches a forbidden static import, type-only and re-exports included', () => {
  const problems = checkBoundaries(
    tree({
      ...CLEAN,
      'src/controllers/camera.ts': "import type { flow } from '../capture/flow.js';\nexport type F = typeof flow;\n",
      'src/core/words.ts': "export { en } from '../i18n/en.js';\n",
    }),
  );
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(problems.some((p) => /^src\/controllers\/camera\.ts imports \.\.\/capture\/flow\.js: src\/controllers may import only/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /^src\/core\/words\.ts imports \.\.\/i18n\/en\.js: src\/core may import only itself/.test(p)), problems.join('\n'));
});

test('catches an import cycle inside one folder', () => {
  const problems = checkBoundaries(
    tree({
      ...CLEAN,
      'src/capture/face.ts': "export const load = () => import('./detector.js');\nexport const mean = 1;\n",
      'src/capture/detector.ts': "import { mean } from './face.js';\nexport const d = mean;\n",
    }),
  );
  assert.equal(problems.length, 1, problems.join('\n'));
  // Where the walk enters the cycle depends on the directory's order: either rotation is the cycle.
  assert.ok(
    [
      'import cycle: src/capture/face.ts → src/capture/detector.ts → src/capture/face.ts',
      'import cycle: src/capture/detector.ts → src/capture/face.ts → src/capture/detector.ts',
    ].includes(problems[0]!),
    problems[0],
  );
});

test('catches a Node module in browser code, and Lit in core', () => {
  const problems = checkBoundaries(
    tree({ ...CLEAN, 'src/capture/disk.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'src/core/view.ts': "import { html } from 'lit';\nexport const h = html;\n" }),
  );
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('src/capture/disk.ts imports node:fs')));
  assert.ok(problems.some((p) => p.startsWith('src/core/view.ts imports lit')));
});
