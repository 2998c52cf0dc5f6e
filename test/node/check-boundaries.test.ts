/**
 * The boundary check (`npm run test:size`: dependency-cruiser with .dependency-cruiser.cjs, plus
 * the non-literal import check of scripts/check-boundaries.js) on copies of the real src/: the
 * copy as it is passes, and each forbidden import below, one file (or one line) of its own, is
 * refused by the rule that names it. The seven kinds of import the old regex-based script let
 * through (issue 18) come first. Two cruises in all: the clean copy, then one copy holding every
 * fixture, in which each refusal is checked to come from its own fixture's file.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { checkBoundaries } from '../../scripts/check-boundaries.js';

const run = promisify(execFile);
const project = fileURLToPath(new URL('../../', import.meta.url));
const script = join(project, 'scripts/check-boundaries.js');
const roots: string[] = [];

after(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/**
 * A copy of src/ with the cruiser's config, tsconfig.json and package.json (whose "exports" make
 * a self-import resolvable), node_modules linked, and a stand-in for two built files of dist/ so
 * that imports of the build resolve as they do in a built checkout.
 */
function copyOfTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'okid-boundaries-'));
  roots.push(root);
  cpSync(join(project, 'src'), join(root, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) cpSync(join(project, file), join(root, file));
  symlinkSync(join(project, 'node_modules'), join(root, 'node_modules'), 'dir');
  for (const file of ['dist/server.js', 'dist/types/server/index.d.ts']) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), 'export const createOkidProxy = () => undefined;\n');
  }
  return root;
}

interface Fixture {
  /** What the mistake is. */
  what: string;
  /** Files added to the copy (path → source). */
  add?: Record<string, string>;
  /** Lines appended to a file of the copy (path → text). */
  append?: Record<string, string>;
  /** The file the refusal must come from, and the rule that must name it. */
  from: string;
  rule: string;
}

const FIXTURES: Fixture[] = [
  // The seven the old script let through.
  {
    what: 'a static import written without spaces, browser code → server',
    add: { 'src/element/no-space.ts': "import{createOkidProxy}from'../server/proxy.js';\nexport const p = createOkidProxy;\n" },
    from: 'src/element/no-space.ts',
    rule: 'element-imports-only-core-i18n-controllers',
  },
  {
    what: "the package importing itself by name ('okid-verify/server', built)",
    add: { 'src/element/self-import.ts': "import { createOkidProxy } from 'okid-verify/server';\nexport const p = createOkidProxy;\n" },
    from: 'src/element/self-import.ts',
    rule: 'no-self-import-by-package-name',
  },
  {
    what: "the package importing itself by name ('okid-verify', not built)",
    add: { 'src/core/self-import.ts': "export * from 'okid-verify';\n" },
    from: 'src/core/self-import.ts',
    rule: 'no-self-import-by-package-name',
  },
  {
    what: 'a dynamic import(variable)',
    add: { 'src/i18n/variable-import.ts': "const where = '../server/proxy.js';\nexport const load = () => import(where);\n" },
    from: 'src/i18n/variable-import.ts:2',
    rule: 'no-non-literal-import',
  },
  {
    what: 'a cycle through extensionless imports',
    add: {
      'src/capture/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): unknown => b;\n",
      'src/capture/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = (): unknown => a;\n",
    },
    from: 'src/capture/cycle-',
    rule: 'no-circular',
  },
  {
    what: 'an import of the build output (../../dist/server.js)',
    add: { 'src/element/dist-import.ts': "import { createOkidProxy } from '../../dist/server.js';\nexport const p = createOkidProxy;\n" },
    from: 'src/element/dist-import.ts',
    rule: 'no-import-of-dist',
  },
  {
    what: 'a .js file under src/, importing nothing and imported by nothing',
    add: { 'src/element/legacy.js': 'export const legacy = 1;\n' },
    from: 'src/element/legacy.js',
    rule: 'no-orphan-js-sources-in-src',
  },
  // The one the old script did refuse, and the sandbox reaching past the webhook signer.
  {
    what: "a re-export of the sandbox from browser code (export * from '../sandbox/…')",
    add: { 'src/controllers/re-export.ts': "export * from '../sandbox/index.js';\n" },
    from: 'src/controllers/re-export.ts',
    rule: 'controllers-imports-only-core-i18n',
  },
  {
    what: 'the sandbox importing a server module other than the webhook signer',
    add: { 'src/sandbox/proxy-use.ts': "import { createOkidProxy } from '../server/proxy.js';\nexport const p = createOkidProxy;\n" },
    from: 'src/sandbox/proxy-use.ts',
    rule: 'sandbox-imports-from-server-only-the-webhook-signer',
  },
  // One for each other rule.
  {
    what: 'a .mjs file under src/ that imports',
    add: { 'src/capture/helper.mjs': "export { VERIFICATION_ID_PATTERN } from '../core/verification-id.js';\n" },
    from: 'src/capture/helper.mjs',
    rule: 'no-js-sources-in-src',
  },
  {
    what: 'a forbidden dynamic import() outside the chunk loader (i18n → element)',
    add: { 'src/i18n/load-views.ts': "export const views = () => import(/* @vite-ignore */ '../element/views.js');\n" },
    from: 'src/i18n/load-views.ts',
    rule: 'i18n-imports-only-core',
  },
  {
    what: 'a type-only import across a boundary (controllers → capture)',
    add: { 'src/controllers/capture-type.ts': "import type { CaptureFlow } from '../capture/capture-flow.js';\nexport type F = CaptureFlow;\n" },
    from: 'src/controllers/capture-type.ts',
    rule: 'controllers-imports-only-core-i18n',
  },
  {
    what: 'the element importing capture outside load-capture.ts',
    add: { 'src/element/eager-capture.ts': "import { CaptureFlow } from '../capture/capture-flow.js';\nexport const flow = CaptureFlow;\n" },
    from: 'src/element/eager-capture.ts',
    rule: 'element-imports-capture-only-in-load-capture',
  },
  {
    what: 'load-capture.ts importing capture statically',
    append: { 'src/element/load-capture.ts': "export { CaptureFlow } from '../capture/capture-flow.js';\n" },
    from: 'src/element/load-capture.ts',
    rule: 'load-capture-imports-capture-only-dynamically',
  },
  {
    what: 'a Node module in browser code',
    add: { 'src/capture/disk.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n" },
    from: 'src/capture/disk.ts',
    rule: 'no-node-builtins-in-browser-code',
  },
  {
    what: 'Lit in core',
    add: { 'src/core/view.ts': "import { html } from 'lit';\nexport const h = html;\n" },
    from: 'src/core/view.ts',
    rule: 'no-lit-in-core',
  },
  {
    what: 'the server importing the element',
    add: { 'src/server/render.ts': "import type { HandoffState } from '../element/views.js';\nexport type S = HandoffState;\n" },
    from: 'src/server/render.ts',
    rule: 'server-imports-only-core',
  },
  {
    what: 'a server room importing a room above it (the hub reaching for the HTTP layer)',
    add: { 'src/server/hub/route-aware.ts': "import { createRoutes } from '../http/routes.js';\nexport const r = createRoutes;\n" },
    from: 'src/server/hub/route-aware.ts',
    rule: 'server-hub-imports-only-core-server-common',
  },
  {
    what: 'the okID edge importing the proxy wiring at the top of src/server/',
    add: { 'src/server/okid/wired.ts': "import type { OkidProxy } from '../proxy.js';\nexport type P = OkidProxy;\n" },
    from: 'src/server/okid/wired.ts',
    rule: 'server-okid-imports-only-core-server-common-server-providers',
  },
  {
    what: 'one vendor room importing another (OOTO-AI reaching into uqudo)',
    add: { 'src/server/ooto/mixed.ts': "import type { UqudoProviderOptions } from '../uqudo/provider.js';\nexport type U = UqudoProviderOptions;\n" },
    from: 'src/server/ooto/mixed.ts',
    rule: 'server-ooto-imports-only-core-server-common-server-providers',
  },
  {
    what: 'the live check (server/check) reaching into the hub',
    add: { 'src/server/check/hubbed.ts': "import type { OkidHub } from '../hub/hub.js';\nexport type H = OkidHub;\n" },
    from: 'src/server/check/hubbed.ts',
    rule: 'server-check-imports-only-core-server-common-server-okid-server-webhooks',
  },
  {
    what: 'an entry file importing the capture flow',
    add: { 'src/capture-entry.ts': "export { CaptureFlow } from './capture/capture-flow.js';\n" },
    from: 'src/capture-entry.ts',
    rule: 'entry-imports-only-core-i18n-controllers-element',
  },
  {
    what: 'an import that resolves to nothing',
    add: { 'src/core/typo.ts': "export * from './no-such-file.js';\n" },
    from: 'src/core/typo.ts',
    rule: 'not-to-unresolvable',
  },
  {
    what: 'a second computed import() in a file allowed one (src/i18n/load.ts)',
    append: { 'src/i18n/load.ts': 'export const anyChunk = (file: string): Promise<unknown> => import(file);\n' },
    from: 'src/i18n/load.ts:',
    rule: 'no-non-literal-import',
  },
];

test('a copy of src/ as it is keeps every rule', async () => {
  const { violations, stats } = await checkBoundaries(copyOfTree());
  assert.deepEqual(violations, []);
  assert.equal(stats.cycles, 0);
  assert.ok(stats.modules > 100 && stats.dependencies > stats.modules && stats.depth > 3, JSON.stringify(stats));
});

test('each forbidden import is refused, from its own file, by the rule that names it', async (t) => {
  const root = copyOfTree();
  for (const fixture of FIXTURES) {
    for (const [path, source] of Object.entries(fixture.add ?? {})) writeFileSync(join(root, path), source);
    for (const [path, text] of Object.entries(fixture.append ?? {})) appendFileSync(join(root, path), text);
  }
  // The command `npm run test:size` runs: it must fail, and list each refusal as `rule: from → to`.
  const failure = await run(process.execPath, [script, root]).then(
    () => assert.fail('the check passed a tree with forbidden imports'),
    (error: { code?: number; stderr?: string }) => error,
  );
  assert.equal(failure.code, 1);
  const refusals = [...(failure.stderr ?? '').matchAll(/^ {2}(\S+): (\S+) → (.+)$/gm)].map(([, rule, from, to]) => ({ rule: rule!, from: from!, to: to! }));
  assert.ok(refusals.length >= FIXTURES.length, failure.stderr);

  for (const fixture of FIXTURES) {
    await t.test(fixture.what, () => {
      const mine = refusals.filter((r) => r.from.startsWith(fixture.from));
      assert.ok(
        mine.some((r) => r.rule === fixture.rule),
        `${fixture.from} should be refused by ${fixture.rule}; refused by: ${mine.map((r) => `${r.rule} (→ ${r.to})`).join(', ') || 'nothing'}`,
      );
    });
  }
  // Nothing refused but the fixtures: every refusal comes from one of their files.
  const strays = refusals.filter((r) => !FIXTURES.some((fixture) => r.from.startsWith(fixture.from)));
  assert.deepEqual(strays, []);
});
