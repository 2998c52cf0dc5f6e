/**
 * HTTPS on the LAN for the demo and `okid-sandbox --host 0.0.0.0`: the certificate made once and
 * reused from the cache, the operator's own certificate, the switches, and the sandbox answering
 * both https and plain http on one port (over real sockets; the LAN itself is never contacted:
 * every request goes to 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { CertificateError, lanCertificate, lanHttpsEnabled } from '../../src/sandbox/certificate.js';
import { main } from '../../src/sandbox/cli.js';
import { freePort } from '../../src/sandbox/web-server.js';

/** GETs a URL over https on 127.0.0.1, trusting anything; resolves with the status and the server's certificate. */
function httpsGet(url: string): Promise<{ status: number; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint256: peer.fingerprint256 }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('LAN certificate', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'okid-lan-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('made on first run for the LAN address and loopback, then reused from the cache', async () => {
    const cacheDir = join(work, 'cache-a');
    const first = await lanCertificate({ hosts: ['192.168.1.20'], cacheDir, env: {} });
    assert.equal(first.source, 'created');
    const x509 = new X509Certificate(first.cert);
    for (const ip of ['192.168.1.20', '127.0.0.1', '::1']) assert.ok(x509.checkIP(ip), `covers ${ip}`);
    assert.ok(x509.checkHost('localhost'));
    assert.ok(x509.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(first.key))));
    const days = (first.validTo.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 390 && days <= 398, `valid ${days.toFixed(0)} days: within what browsers accept`);
    assert.equal(first.fingerprint256, x509.fingerprint256);

    const second = await lanCertificate({ hosts: ['192.168.1.20'], cacheDir, env: {} });
    assert.equal(second.source, 'cached');
    assert.equal(second.fingerprint256, first.fingerprint256);
  });

  test('a new LAN address or a certificate about to expire gets a new one', async () => {
    const cacheDir = join(work, 'cache-b');
    const first = await lanCertificate({ hosts: ['10.0.0.5'], cacheDir, env: {} });
    const moved = await lanCertificate({ hosts: ['10.0.0.6'], cacheDir, env: {} });
    assert.equal(moved.source, 'created');
    assert.notEqual(moved.fingerprint256, first.fingerprint256);
    const late = await lanCertificate({ hosts: ['10.0.0.6'], cacheDir, env: {}, now: new Date(moved.validTo.getTime() - 86_400_000) });
    assert.equal(late.source, 'created', 'renewed a week before it ends');
  });

  test("the operator's own certificate (OKID_DEMO_CERT and OKID_DEMO_KEY), checked before use", async () => {
    const made = await lanCertificate({ hosts: ['192.168.1.20'], cacheDir: join(work, 'cache-c'), env: {} });
    const other = await lanCertificate({ hosts: ['192.168.1.21'], cacheDir: join(work, 'cache-d'), env: {} });
    const cert = join(work, 'mine.pem');
    const key = join(work, 'mine-key.pem');
    const wrongKey = join(work, 'other-key.pem');
    await writeFile(cert, made.cert);
    await writeFile(key, made.key);
    await writeFile(wrongKey, other.key);
    const mine = await lanCertificate({ hosts: ['192.168.1.99'], env: { OKID_DEMO_CERT: cert, OKID_DEMO_KEY: key } });
    assert.equal(mine.source, 'operator');
    assert.equal(mine.fingerprint256, made.fingerprint256);
    await assert.rejects(lanCertificate({ hosts: [], env: { OKID_DEMO_CERT: cert } }), (e: Error) => e instanceof CertificateError && /set both/.test(e.message));
    await assert.rejects(
      lanCertificate({ hosts: [], env: { OKID_DEMO_CERT: cert, OKID_DEMO_KEY: wrongKey } }),
      (e: Error) => e instanceof CertificateError && /is not the key of/.test(e.message),
    );
    await assert.rejects(
      lanCertificate({ hosts: [], env: { OKID_DEMO_CERT: join(work, 'missing.pem'), OKID_DEMO_KEY: key } }),
      (e: Error) => e instanceof CertificateError && /cannot be read: ENOENT/.test(e.message),
    );
    await assert.rejects(
      lanCertificate({ hosts: [], env: { OKID_DEMO_CERT: key, OKID_DEMO_KEY: key } }),
      (e: Error) => e instanceof CertificateError && /not a PEM certificate/.test(e.message),
    );
  });

  test('OKID_DEMO_HTTPS=0 turns it off; anything else leaves it on', () => {
    for (const off of ['0', 'false', 'OFF', 'no']) assert.equal(lanHttpsEnabled({ OKID_DEMO_HTTPS: off }), false, off);
    for (const on of [undefined, '', '1', 'true']) assert.equal(lanHttpsEnabled({ OKID_DEMO_HTTPS: on }), true, String(on));
  });
});

test('freePort: a busy port falls back to a free one; an address this computer lacks is an error, not a retry loop', async () => {
  const busy = await freePort(0);
  const { createServer } = await import('node:net');
  const holder = createServer().listen(busy, '127.0.0.1');
  await new Promise((resolve) => holder.once('listening', resolve));
  try {
    const other = await freePort(busy);
    assert.notEqual(other, busy);
  } finally {
    holder.close();
  }
  // 203.0.113.0/24 is reserved for documentation: no computer has it, and binding sends nothing.
  await assert.rejects(freePort(0, '203.0.113.7'), /cannot listen on 203\.0\.113\.7:0: EADDRNOTAVAIL/);
});

describe('okid-sandbox --host 0.0.0.0', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'okid-lan-cli-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('serves https and plain http on one port, and prints the fingerprint a phone will show', async () => {
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--host', '0.0.0.0'], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      handleSignals: false,
      env: { XDG_CACHE_HOME: work },
    });
    assert.ok(sandbox, out.join('\n'));
    try {
      const printed = /SHA-256 ([0-9A-F:]{95})/.exec(out.join('\n'))?.[1];
      assert.ok(printed, `fingerprint printed:\n${out.join('\n')}`);
      assert.match(out.join('\n'), /will warn that the connection is not private/);
      const secure = await httpsGet(`${sandbox.url.replace('http:', 'https:')}/healthz`);
      assert.equal(secure.status, 200);
      assert.equal(secure.fingerprint256, printed, 'the certificate served is the one printed');
      assert.equal((await fetch(`${sandbox.url}/healthz`)).status, 200, 'plain http on the same port');
    } finally {
      await sandbox.close();
    }
  });

  test('--no-https (or OKID_DEMO_HTTPS=0) serves plain http and says what that costs', async () => {
    for (const [args, env] of [
      [['--no-https'], { XDG_CACHE_HOME: work }],
      [[], { XDG_CACHE_HOME: work, OKID_DEMO_HTTPS: '0' }],
    ] as const) {
      const out: string[] = [];
      const sandbox = await main(['--port', '0', '--host', '0.0.0.0', ...args], { out: (l) => out.push(l), err: (l) => out.push(l), handleSignals: false, env });
      assert.ok(sandbox);
      try {
        assert.match(out.join('\n'), /will not give this page its camera/);
        await assert.rejects(httpsGet(`${sandbox.url.replace('http:', 'https:')}/healthz`));
      } finally {
        await sandbox.close();
      }
    }
  });

  test('on loopback nothing changes: plain http, no certificate made', async () => {
    const out: string[] = [];
    const sandbox = await main(['--port', '0'], { out: (l) => out.push(l), err: () => {}, handleSignals: false, env: { XDG_CACHE_HOME: join(work, 'loopback') } });
    assert.ok(sandbox);
    try {
      assert.ok(!out.join('\n').includes('SHA-256'));
      await assert.rejects(httpsGet(`${sandbox.url.replace('http:', 'https:')}/healthz`));
    } finally {
      await sandbox.close();
    }
  });

  test('bad certificate flags are one readable line and exit code 2', async () => {
    for (const [args, message] of [
      [['--https-cert', 'x.pem'], /--https-cert and --https-key go together/],
      [['--host', '0.0.0.0', '--https-cert', join(work, 'none.pem'), '--https-key', join(work, 'none-key.pem')], /cannot be read/],
      [['--https-cert', 'a.pem', '--https-key', 'b.pem'], /on loopback plain http is already secure/],
    ] as const) {
      const errors: string[] = [];
      const previous = process.exitCode;
      const result = await main(['--port', '0', ...args], { out: () => {}, err: (l) => errors.push(l), handleSignals: false, env: {} });
      const code = process.exitCode;
      process.exitCode = previous;
      assert.equal(result, undefined);
      assert.equal(code, 2);
      assert.match(errors[0] ?? '', message);
    }
  });
});
