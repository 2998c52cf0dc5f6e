/**
 * `npm run demo`'s terminal, read as a person reads it: the LAN page's https URL, the
 * certificate's fingerprint with what the phone will show, and a QR code that a phone camera
 * decodes to that URL. The demo runs as a child process exactly as the npm script starts it; the
 * "LAN" name is a test name (OKID_DEMO_PUBLIC_HOST) and every request goes to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import jsQR from 'jsqr';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Turns the `qrcode` package's small terminal output (half blocks, ANSI colours) back into
 * pixels: each character is two modules stacked, drawn in the foreground and background colours.
 */
function terminalQrToPixels(text: string, scale = 6): { data: Uint8ClampedArray; width: number; height: number } {
  const rows: boolean[][] = [];
  for (const line of text.split('\n')) {
    if (!/[▀▄█]/.test(line)) continue;
    let fgDark = true;
    let bgDark = false;
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const token of line.match(/\x1b\[\d+m|[\s\S]/g) ?? []) {
      const code = /^\x1b\[(\d+)m$/.exec(token)?.[1];
      if (code !== undefined) {
        if (code === '0') [fgDark, bgDark] = [true, false];
        else if (code === '30') fgDark = true;
        else if (code === '37') fgDark = false;
        else if (code === '40') bgDark = true;
        else if (code === '47') bgDark = false;
        continue;
      }
      const [t, b] = token === '█' ? [fgDark, fgDark] : token === '▀' ? [fgDark, bgDark] : token === '▄' ? [bgDark, fgDark] : [bgDark, bgDark];
      top.push(t);
      bottom.push(b);
    }
    rows.push(top, bottom);
  }
  const margin = 4;
  const modules = Math.max(...rows.map((row) => row.length));
  const width = (modules + margin * 2) * scale;
  const height = (rows.length + margin * 2) * scale;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + margin) * scale + dy) * width + (x + margin) * scale + dx) * 4;
          data[i] = data[i + 1] = data[i + 2] = 0;
        }
      }
    }),
  );
  return { data, width, height };
}

const withoutDemoSettings = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OKID_')));

function peerFingerprint(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve(fingerprint));
    });
    req.on('error', reject);
    req.end();
  });
}

test('npm run demo prints the https LAN page, its certificate fingerprint, and a QR code of that page', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'okid-demo-terminal-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The developer's own OKID_DEMO_* settings must not change what this test reads.
    env: { ...withoutDemoSettings(process.env), OKID_DEMO_HOST: '127.0.0.1', OKID_DEMO_PUBLIC_HOST: 'okid-phone.test', OKID_DEMO_PORT: '0', OKID_SANDBOX_PORT: '0', XDG_CACHE_HOME: cache },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo printed no QR code in 30 s:\n${out}\n${err}`)), 30_000);
      const check = () => {
        if (/scan this:[\s\S]*▀[^\n]*\n\s*$/.test(out.replace(/\x1b\[\d+m/g, ''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited (${code}):\n${out}\n${err}`));
      });
    });
    const phoneUrl = /Phone \(LAN\):\s+(https:\/\/okid-phone\.test:\d+\/)/.exec(out)?.[1];
    assert.ok(phoneUrl, `the LAN page is https:\n${out}`);
    assert.match(out, /Operator page:\s+http:\/\/localhost:\d+\//, 'this computer keeps plain http');
    assert.match(out, /will warn that the connection is not private/);
    const printed = /SHA-256 ([0-9A-F:]{95})/.exec(out)?.[1];
    assert.ok(printed, 'the fingerprint is printed');

    const qr = terminalQrToPixels(out.slice(out.indexOf('scan this:')));
    assert.equal(jsQR(qr.data, qr.width, qr.height)?.data, phoneUrl, 'the terminal QR code opens the LAN page');

    // The certificate served on that port is the one whose fingerprint was printed.
    const port = new URL(phoneUrl).port;
    assert.equal(await peerFingerprint(`https://127.0.0.1:${port}/`), printed);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await rm(cache, { recursive: true, force: true });
  }
});
