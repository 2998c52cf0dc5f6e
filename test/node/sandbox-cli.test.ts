/**
 * The okid-sandbox CLI: flag parsing, a real child process that prints its URL and stops on
 * SIGTERM, and readable refusals of bad flags.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { main, parseCliArgs } from '../../src/sandbox/cli.js';
import { createV2 } from './sandbox-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `main(args)` in a child process (as bin/okid-sandbox.js would) and collects its output. */
function spawnCli(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import('./src/sandbox/cli.ts').then((m) => m.main(${JSON.stringify(args)}))`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('okid-sandbox CLI', () => {
  test('parses every flag, repeatable --api-key included', () => {
    assert.deepEqual(
      parseCliArgs([
        '--port', '0', '--host', '127.0.0.1', '--api-key', 'sk_a', '--api-key', 'sk_b',
        '--webhook-url', 'http://127.0.0.1:9999/hooks', '--webhook-secret', 's3cret', '--processing-delay-ms', '250',
      ]),
      {
        port: 0,
        host: '127.0.0.1',
        apiKey: ['sk_a', 'sk_b'],
        webhookUrl: 'http://127.0.0.1:9999/hooks',
        webhookSecret: 's3cret',
        processingDelayMs: 250,
      },
    );
    assert.deepEqual(parseCliArgs([]), {});
    assert.equal(parseCliArgs(['--help']), undefined);
  });

  test('bad flags print one clear line and set exit code 2, no stack trace', async () => {
    for (const [args, message] of [
      [['--prot', '1'], /Unknown option '--prot'/],
      [['--port', 'abc'], /--port must be a whole number/],
      [['--port', '70000'], /--port must be a whole number/],
      [['--processing-delay-ms', '-5'], /processing-delay-ms/],
      [['--webhook-url', 'ftp://x', '--webhook-secret', 's'], /--webhook-url must be an http\(s\) URL/],
      [['--webhook-url', 'http://x.example'], /needs --webhook-secret/],
      [['stray'], /positional/i],
    ] as const) {
      const errors: string[] = [];
      const previous = process.exitCode;
      const result = await main([...args], { out: () => {}, err: (line) => errors.push(line), handleSignals: false });
      const code = process.exitCode;
      process.exitCode = previous;
      assert.equal(result, undefined);
      assert.equal(code, 2, args.join(' '));
      assert.match(errors[0] ?? '', message);
      assert.match(errors[0] ?? '', /^okid-sandbox: /);
      assert.ok(!errors.join('\n').includes('    at '), 'no stack trace');
    }
  });

  test('--help prints the usage', async () => {
    const out: string[] = [];
    await main(['--help'], { out: (line) => out.push(line), err: () => {}, handleSignals: false });
    assert.match(out.join('\n'), /--webhook-secret/);
    assert.match(out.join('\n'), /--provider NAME/);
  });

  test('in-process main starts a sandbox that answers with the given key', async () => {
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--api-key', 'sk_cli'], { out: (l) => out.push(l), err: () => {}, handleSignals: false });
    assert.ok(sandbox);
    try {
      assert.ok(out.some((line) => line.includes(sandbox.url)));
      assert.ok(out.some((line) => line.includes('sk_cli')));
      assert.match(await createV2(sandbox, undefined, 'sk_cli'), /^ver_/);
    } finally {
      await sandbox.close();
    }
  });

  test('a child process prints its URL and exits 0 on SIGTERM', async () => {
    const run = spawnCli(['--port', '0', '--processing-delay-ms', '0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${run.err()}`)), 15_000);
        run.child.stdout.on('data', () => {
          // Wait for the last startup line, so the URL and key lines are both in.
          const match = /listening on (http:\/\/\S+)[\s\S]*Stop with Ctrl\+C/.exec(run.out());
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      assert.match(run.out(), /sk_sandbox_demo/);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('--no-capture-api acts as okID does today: the capture API answers other origins 404', async () => {
    assert.deepEqual(parseCliArgs(['--no-capture-api']), { captureApi: false });
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--no-capture-api'], { out: (l) => out.push(l), err: () => {}, handleSignals: false });
    assert.ok(sandbox);
    try {
      assert.match(out.join('\n'), /Capture API: only for the sandbox's own \/verify page/);
      const id = await createV2(sandbox);
      const foreign = await fetch(`${sandbox.url}/v1/flow/${id}`, { headers: { Origin: 'https://operator.example' } });
      assert.equal(foreign.status, 404);
      assert.equal(typeof ((await foreign.json()) as { error?: unknown }).error, 'string', "okID's error format");
      const own = await fetch(`${sandbox.url}/v1/flow/${id}`, { headers: { Origin: sandbox.url } });
      assert.equal(own.status, 200, 'its own /verify page still runs the flow');
    } finally {
      await sandbox.close();
    }
  });

  test('--provider ooto: a parsed provider and APP-ID, okID-only flags refused, a sandbox that speaks OOTO-AI', async () => {
    assert.deepEqual(parseCliArgs(['--provider', 'ooto', '--app-id', 'app_x', '--webhook-url', 'http://127.0.0.1:9/cb']), {
      provider: 'ooto',
      appId: 'app_x',
      webhookUrl: 'http://127.0.0.1:9/cb',
    });
    for (const [args, message] of [
      [['--provider', 'okta'], /--provider must be okid, ooto or uqudo/],
      [['--app-id', 'app_x'], /--app-id is OOTO's APP-ID: it needs --provider ooto/],
      [['--provider', 'ooto', '--app-id', 'a b'], /--app-id must be/],
      [['--provider', 'ooto', '--webhook-secret', 's'], /--webhook-secret is an okID flag; --provider ooto/],
      [['--provider', 'ooto', '--flow', 'terms'], /--flow is an okID flag/],
      [['--provider', 'uqudo', '--dialect', 'documented'], /--dialect is an okID flag; --provider uqudo/],
      [['--provider', 'uqudo', '--webhook-url', 'http://127.0.0.1:9/cb'], /uqudo's document has no callback/],
    ] as const) {
      const errors: string[] = [];
      const previous = process.exitCode;
      const result = await main([...args], { out: () => {}, err: (line) => errors.push(line), handleSignals: false });
      const code = process.exitCode;
      process.exitCode = previous;
      assert.equal(result, undefined, args.join(' '));
      assert.equal(code, 2, args.join(' '));
      assert.match(errors[0] ?? '', message);
    }
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--provider', 'ooto', '--app-id', 'app_cli', '--api-key', 'key_cli'], { out: (l) => out.push(l), err: () => {}, handleSignals: false });
    assert.ok(sandbox);
    try {
      const text = out.join('\n');
      assert.match(text, new RegExp(`OOTO-AI sandbox listening on ${sandbox.url}`));
      assert.match(text, /APP-ID: app_cli/);
      assert.match(text, /APP-KEY: key_cli/);
      const res = await fetch(`${sandbox.url}/api/v1.0/flow/sessions`, {
        method: 'POST',
        headers: { 'APP-ID': 'app_cli', 'APP-KEY': 'key_cli', 'Content-Type': 'application/json' },
        body: JSON.stringify({ scopes: ['liveness'] }),
      });
      assert.equal(res.status, 200);
      assert.match(((await res.json()) as { url: string }).url, new RegExp(`^${sandbox.url}/flow/`));
      assert.equal((await fetch(`${sandbox.url}/api/generate-verification`, { method: 'POST' })).status, 404, "okID's routes are not served");
    } finally {
      await sandbox.close();
    }
  });

  test('--provider uqudo: a sandbox that speaks uqudo, its bearer token printed', async () => {
    assert.deepEqual(parseCliArgs(['--provider', 'uqudo', '--ttl-seconds', '60']), { provider: 'uqudo', ttlSeconds: 60 });
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--provider', 'uqudo', '--api-key', 'uq_cli'], { out: (l) => out.push(l), err: () => {}, handleSignals: false });
    assert.ok(sandbox);
    try {
      const text = out.join('\n');
      assert.match(text, new RegExp(`uqudo sandbox listening on ${sandbox.url}`));
      assert.match(text, /Bearer token: uq_cli/);
      assert.doesNotMatch(text, /APP-ID/);
      const res = await fetch(`${sandbox.url}/api/v1/session`, {
        method: 'POST',
        headers: { Authorization: 'Bearer uq_cli', 'Content-Type': 'application/json' },
        body: JSON.stringify({ data: Buffer.from('{}').toString('base64') }),
      });
      assert.equal(res.status, 200);
      assert.match(((await res.json()) as { qrCodeTextWithDynamicLink: string }).qrCodeTextWithDynamicLink, new RegExp(`^${sandbox.url}/reader/`));
    } finally {
      await sandbox.close();
    }
  });

  test('a child process with a bad flag exits 2 with a message on stderr', async () => {
    const run = spawnCli(['--port', 'nope']);
    assert.equal(await run.exited, 2);
    assert.match(run.err(), /okid-sandbox: --port must be a whole number/);
    assert.ok(!run.err().includes('    at '), 'no stack trace');
  });
});
