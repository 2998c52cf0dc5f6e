/**
 * The build as a user runs it: `vite build` (vite.config.ts) into a scratch folder, so dist/ and
 * the e2e suites reading it are left alone. It prints no warning, writes every file that code,
 * tests and package.json load, and the files a browser downloads as they are (the IIFE, the
 * capture chunk, its chunks) are minified, while the ESM build stays readable for app bundlers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { after, before, describe, test } from 'node:test';
import { LOCALES } from '../../src/core/locale.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the package (ignored by git), where tsc and the manifest analyzer resolve as in dist/. */
const OUT = `.tmp/build-${process.pid}`;
const out = (file: string) => `${ROOT}${OUT}/${file}`;

/** Vite's region comments (`// node_modules/zod/…`, `// src/…`), which only unminified output keeps. */
const REGION_COMMENT = /^\/\/ (node_modules|src|\\0)/m;

describe('vite build', () => {
  let log = '';

  before(
    () =>
      new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          [`${ROOT}node_modules/vite/bin/vite.js`, 'build', '--outDir', OUT],
          { cwd: ROOT, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } },
          (error, stdout, stderr) => {
            log = stdout + stderr;
            if (error) reject(new Error(`vite build failed: ${error.message}\n${log}`));
            else resolve();
          },
        );
      }),
    { timeout: 250_000 },
  );
  after(() => rm(`${ROOT}${OUT}`, { recursive: true, force: true }));

  test('prints no warning', () => {
    // The file list names chunks after their modules (errors-….js), so it is left out.
    const lines = log.split('\n').filter((line) => !line.trimStart().startsWith(`${OUT}/`));
    assert.deepEqual(
      lines.filter((line) => /warn|\(!\)|SOURCEMAP|error/i.test(line)),
      [],
      log,
    );
    // It did build the three environments (a silent failure would print nothing, too).
    for (const name of ['esm', 'iife', 'capture']) assert.match(log, new RegExp(`building ${name} environment`));
  });

  test('writes every file that package.json, the element and the tests load', () => {
    for (const file of [
      'index.js',
      'protocol.js',
      'server.js',
      'sandbox.js',
      'sandbox-cli.js',
      'check-cli.js', // bin/okid-verify.js
      'okid-verify.iife.js',
      'okid-verify-capture.js',
      'custom-elements.json',
      'types/index.d.ts',
      'types/react.d.ts',
      'types/vue.d.ts',
      'types/server/index.d.ts',
      'types/sandbox/index.d.ts',
      'models/tiny_face_detector_model.bin',
      'models/face_landmark_68_tiny_model.bin',
      'models/LICENSE.face-api.txt',
      // One chunk per language besides English, the list the element chooses from.
      ...LOCALES.filter((locale) => locale !== 'en').map((locale) => `locales/${locale}.js`),
    ]) {
      assert.ok(existsSync(out(file)), `${OUT}/${file} is missing`);
    }
    assert.ok(readdirSync(out('capture-chunks')).some((file) => /^bundled-face-detector-[\w-]+\.js$/.test(file)));
    const manifest = JSON.parse(readFileSync(out('custom-elements.json'), 'utf8')) as { modules: Array<{ path: string }> };
    assert.deepEqual(
      manifest.modules.map((module) => module.path),
      ['dist/index.js'],
    );
  });

  test('what a browser downloads as it is is minified: no comments, no indentation; the ESM build stays readable', () => {
    const browserFiles = ['okid-verify.iife.js', 'okid-verify-capture.js', ...readdirSync(out('capture-chunks')).filter((f) => f.endsWith('.js')).map((f) => `capture-chunks/${f}`)];
    for (const file of browserFiles) {
      const code = readFileSync(out(file), 'utf8');
      assert.doesNotMatch(code, REGION_COMMENT, `${file} keeps comments`);
      assert.doesNotMatch(code, /@__PURE__/, `${file} keeps annotations`);
      assert.doesNotMatch(code, /^import .*\n\/\/ /, `${file} is laid out`);
    }
    const capture = readFileSync(out('okid-verify-capture.js'), 'utf8');
    // The capture flow's CSS is minified too (a JS minifier leaves strings alone).
    assert.doesNotMatch(capture, /\/\* Headings take focus/);
    // The IIFE's twin in the ESM build is laid out for a bundler, with Vite's region comments.
    assert.match(readFileSync(out('index.js'), 'utf8'), REGION_COMMENT);
  });

  test('the built sandbox serves uqudo\'s WebSocket: ws stays a dependency, not a bundled browser stub', async () => {
    const { startSandbox } = (await import(pathToFileURL(out('sandbox.js')).href)) as typeof import('../../src/sandbox/index.js');
    const sandbox = await startSandbox({ provider: 'uqudo', port: 0 });
    try {
      const socket = new WebSocket(`${sandbox.url.replace('http', 'ws')}/ws/v1/session`);
      socket.on('open', () => socket.send('A'.repeat(32)));
      socket.on('error', () => {});
      const code = await new Promise<number>((resolve) => socket.on('close', resolve));
      assert.equal(code, 1008, 'an unknown qrCodeText is refused, as the source does');
    } finally {
      await sandbox.close();
    }
  });
});
