/**
 * The framework examples in examples/ (React 19 app and server rendering, Vue 3 app, Angular)
 * type-check against the built package's types, as an app sees them through package.json's
 * `exports`: tsc for TypeScript and JSX, vue-tsc for the Vue app's single-file component;
 * e2e/frameworks.test.ts builds and runs the apps. examples/type-tests.tsx
 * holds `@ts-expect-error` lines, so typings that stop rejecting a wrong prop fail here too.
 * Needs `npm run build` for dist/types.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;
/** Vue's own type-checker: tsc plus the templates of single-file components. */
const VUE_TSC = `${ROOT}node_modules/vue-tsc/bin/vue-tsc.js`;

function tsc(project: string, compiler = TSC): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [compiler, '-p', project, '--noEmit', '--pretty', 'false'], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

// Each test is one compiler in a child process on a project of its own (the negative ones in
// their own scratch folders): two at a time, one per core.
describe('framework examples', { concurrency: 2 }, () => {
  // Inside the package (so `okid-verify` resolves to itself) and ignored by git.
  const scratch = `${ROOT}.tmp/examples-negative/`;
  after(() => rm(scratch, { recursive: true, force: true }));

  test('dist/types is built', () => {
    assert.ok(existsSync(`${ROOT}dist/types/react.d.ts`), 'run `npm run build` first');
  });

  test('examples/ type-checks: React, Vue and Angular examples and the type tests', async () => {
    const { code, output } = await tsc('examples/tsconfig.json');
    assert.equal(code, 0, output);
  });

  test('the Vue app type-checks with vue-tsc: App.vue\'s template against okid-verify/vue', async () => {
    const { code, output } = await tsc('examples/vue-app/tsconfig.json', VUE_TSC);
    assert.equal(code, 0, output);
  });

  test('a wrong prop or listener in a Vue template is a vue-tsc error', async () => {
    const dir = `${scratch}vue/`;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}tsconfig.json`, JSON.stringify({ extends: '../../../examples/vue-app/tsconfig.json', include: ['Bad.vue'] }));
    await writeFile(
      `${dir}Bad.vue`,
      '<script setup lang="ts">\nimport \'okid-verify/vue\';\n</script>\n\n<template>\n  <okid-verify proxy-url="/okid" mode="qr" @okid-complete="(event) => event.detail.code" />\n</template>\n',
    );
    const { code, output } = await tsc(`${dir}tsconfig.json`, VUE_TSC);
    assert.notEqual(code, 0, 'mode="qr" compiled');
    assert.match(output, /Bad\.vue\(6,\d+\): error TS2322: Type '"qr"' is not assignable to type 'Mode \| undefined'/);
    assert.match(output, /Bad\.vue\(6,\d+\): error TS2339: Property 'code' does not exist on type 'OkidCompleteDetail'/);
  });

  test('a wrong prop in React JSX is a type error that names the allowed modes', async () => {
    await mkdir(scratch, { recursive: true });
    await writeFile(
      `${scratch}tsconfig.json`,
      JSON.stringify({ extends: '../../examples/tsconfig.json', include: ['bad.tsx'] }),
    );
    await writeFile(`${scratch}bad.tsx`, "import 'okid-verify/react';\nexport const bad = <okid-verify proxy-url=\"/okid\" mode={42} />;\n");
    const { code, output } = await tsc(`${scratch}tsconfig.json`);
    assert.notEqual(code, 0, 'mode={42} compiled');
    assert.match(output, /bad\.tsx\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'Mode \| undefined'/);
  });
});
