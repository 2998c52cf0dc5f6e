/**
 * Server-side rendering (Next.js, Nuxt, SvelteKit) imports `okid-verify` in Node, where there is
 * no `window`, `document` or `HTMLElement`: the import must not throw. Each import runs in a
 * fresh `node` child process, so nothing this test runner loaded (or any DOM stand-in) leaks in.
 * Needs `npm run build` for dist/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Imports `path` in a new Node process; resolves with its exit code, its export names and what it said. */
function importInNode(path: string, nodeArgs: string[] = []): Promise<{ code: number; exports: string[]; globals: string; stderr: string }> {
  const url = pathToFileURL(`${ROOT}${path}`).href;
  const script = [
    // Checked first, so a DOM that a module would install for itself cannot hide a missing guard.
    "const globals = `window:${typeof window},document:${typeof document},HTMLElement:${typeof HTMLElement}`;",
    `import(${JSON.stringify(url)}).then((m) => console.log(JSON.stringify({ exports: Object.keys(m), globals })));`,
  ].join('\n');
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs, '-e', script], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const line = stdout.trim().split('\n').pop() ?? '';
      const parsed = code === 0 ? (JSON.parse(line) as { exports: string[]; globals: string }) : { exports: [], globals: '' };
      resolve({ code, ...parsed, stderr });
    });
  });
}

describe('importing okid-verify in Node without a DOM (server-side rendering)', () => {
  test('dist/ is built', () => {
    assert.ok(existsSync(`${ROOT}dist/index.js`), 'run `npm run build` first');
  });

  test('the built element entry (dist/index.js) imports and exports the element and the OkID facade', async () => {
    const result = await importInNode('dist/index.js');
    assert.equal(result.code, 0, `import failed:\n${result.stderr}`);
    assert.match(result.globals, /window:undefined,document:undefined,HTMLElement:undefined/);
    for (const name of ['OkidVerifyElement', 'OkID', 'OkidCompleteEvent', 'OkidErrorEvent', 'OkidStatusEvent', 'ErrorCode', 'Status']) {
      assert.ok(result.exports.includes(name), `dist/index.js exports ${name} (got ${result.exports.join(', ')})`);
    }
  });

  test('the protocol entry (dist/protocol.js) imports', async () => {
    const result = await importInNode('dist/protocol.js');
    assert.equal(result.code, 0, `import failed:\n${result.stderr}`);
    assert.ok(result.exports.includes('StatusSnapshotSchema'));
  });

  test('the source entry (src/index.ts, through tsx) imports', async () => {
    const result = await importInNode('src/index.ts', ['--import', 'tsx']);
    assert.equal(result.code, 0, `import failed:\n${result.stderr}`);
    assert.ok(result.exports.includes('OkidVerifyElement'));
    assert.ok(result.exports.includes('OkID'));
  });
});
