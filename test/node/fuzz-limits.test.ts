/**
 * Generated inputs against the issue 9 guards (fast-check, bounded runs; a failure prints the
 * seed and the shrunk case):
 * - the client of a request: whatever a client writes in `X-Forwarded-For` left of what the
 *   trusted hops appended, the proxy finds the same client (nothing to gain from spoofing), and
 *   a header of any shape never throws;
 * - the create route over real HTTP with the sandbox behind: arbitrary `Origin`,
 *   `Sec-Fetch-Site`, `X-Forwarded-For` and body sizes → only 201, 400, 403, 413 or 429 (with
 *   `Retry-After`), never a 5xx, and the hook never receives more than 64 KiB or a request the
 *   origin rules refuse.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy } from '../../src/server/index.js';
import { createClientResolver } from '../../src/server/http/client-address.js';
import { checkOrigin } from '../../src/server/http/origin-check.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.ipV6();
const ip = fc.oneof(ipv4, ipv6);
/** What a client may write itself: addresses, garbage, control characters, huge lists. */
const spoof = fc.oneof(
  fc.array(ip, { maxLength: 5 }).map((list) => list.join(', ')),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'unknown', '  , ,', '::ffff:', '[::1]:80', '1.2.3.4:99999', 'a'.repeat(2000), Array(300).fill('9.9.9.9').join(',')),
);

describe('fuzzing the limits guards', () => {
  it('trustProxy: the spoofed prefix of X-Forwarded-For never changes the client', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), ip, fc.array(ip, { minLength: 4, maxLength: 4 }), spoof, spoof, (hops, socket, appended, left, otherLeft) => {
        const resolve = createClientResolver(hops);
        // The trusted hops appended the last `hops` entries (the nearest last); the client wrote the rest.
        const tail = appended.slice(0, hops).join(', ');
        const a = resolve(socket, left ? `${left}, ${tail}` : tail);
        const b = resolve(socket, otherLeft ? `${otherLeft}, ${tail}` : tail);
        assert.equal(a, b);
        assert.ok(a === undefined || a === socket.toLowerCase() || appended.some((x) => x.toLowerCase() === a) || a === socket, `client ${a}`);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.oneof(fc.constant(undefined), fc.boolean(), fc.integer({ min: 1, max: 32 }), fc.constant(['10.0.0.0/8', '127.0.0.1'])), fc.option(fc.string({ maxLength: 50 })), fc.option(spoof), (trust, socket, header) => {
        const resolve = createClientResolver(trust as never);
        const client = resolve(socket ?? undefined, header ?? null);
        assert.ok(client === undefined || typeof client === 'string');
      }),
      { numRuns: RUNS },
    );
  });

  it('origin rules: a refused request is never one the rules accept, whatever the headers', () => {
    const origin = fc.oneof(
      fc.constant(null),
      fc.constantFrom('https://shop.example', 'http://shop.example', 'https://shop.example:443', 'https://shop.example:8443', 'https://evil.example', 'null', '', 'https://shop.example.evil.example', 'HTTPS://SHOP.EXAMPLE', ' https://shop.example '),
      fc.webUrl(),
      fc.string({ maxLength: 30 }),
    );
    const site = fc.option(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'SAME-ORIGIN', ' same-origin ', 'other'));
    fc.assert(
      fc.property(origin, site, (o, s) => {
        const headers = new Headers();
        if (o !== null) {
          try {
            headers.set('Origin', o);
          } catch {
            return; // not a header value HTTP can carry
          }
        }
        if (s !== null) headers.set('Sec-Fetch-Site', s);
        const request = new Request('https://shop.example/okid/verifications', { method: 'POST', headers });
        const refusal = checkOrigin(request, { allowedOrigins: new Set(), trustForwardedProto: false });
        const sent = headers.get('Origin');
        const fetchSite = headers.get('Sec-Fetch-Site')?.toLowerCase();
        let accepted: boolean;
        if (sent === null) accepted = fetchSite === undefined || fetchSite === 'same-origin';
        else {
          let parsed: string | undefined;
          try {
            parsed = new URL(sent).origin;
          } catch {
            parsed = undefined;
          }
          accepted = parsed === 'https://shop.example' && fetchSite !== 'cross-site';
        }
        assert.equal(refusal === undefined, accepted, `Origin ${JSON.stringify(sent)}, Sec-Fetch-Site ${JSON.stringify(s)}: ${refusal}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  describe('the create route over real HTTP', () => {
    let sandbox: Sandbox;
    let okid: OkidProxy;
    let http: Listening;
    const seen: number[] = [];

    before(async () => {
      sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
      okid = createOkidProxy({
        apiKey: API_KEY,
        baseUrl: sandbox.url,
        authorize: 'public',
        trustProxy: 1,
        logger: { warn: () => undefined, error: () => undefined },
        limits: { createsPerClient: 3, windowMs: 60_000 },
        create: async (request) => {
          seen.push((await request.arrayBuffer()).byteLength);
          // Refused by the hook, so the sandbox's own generation quota is never the answer.
          return null;
        },
      });
      http = await listen((req, res) => okid.node(req, res));
    });
    after(async () => {
      await okid.close();
      await http.close();
      await sandbox.close();
    });

    it('answers 403, 413 or 429 with Retry-After, never a 5xx; the hook never gets more than 64 KiB', async () => {
      const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 60 * 1024, max: 70 * 1024 }));
      await fc.assert(
        fc.asyncProperty(fc.option(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none')), fc.option(ip), spoof, size, fc.boolean(), async (site, client, left, bytes, chunked) => {
          const headers: Record<string, string> = {};
          if (site) headers['Sec-Fetch-Site'] = site;
          if (client) headers['X-Forwarded-For'] = `${left.replace(/[^\x20-\x7e]/g, '')}, ${client}`;
          const body = new Uint8Array(bytes);
          const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers };
          if (bytes > 0) {
            init.body = chunked ? new Blob([body]).stream() : body;
            if (chunked) init.duplex = 'half';
          }
          const response = await fetch(`${http.url}/okid/verifications`, init);
          const text = await response.text();
          assert.ok([400, 403, 413, 429].includes(response.status), `${response.status} ${text}`);
          if (response.status === 429) assert.match(response.headers.get('Retry-After') ?? '', /^[1-9]\d*$/);
          if (response.status === 403 && (site === 'same-site' || site === 'cross-site' || site === 'none')) return;
          if (bytes > 64 * 1024) assert.notEqual(response.status, 403, 'an oversized body is not the hook\'s to refuse');
        }),
        { numRuns: Math.min(RUNS, 120) },
      );
      assert.ok(seen.every((n) => n <= 64 * 1024), `the hook read at most 64 KiB: ${Math.max(0, ...seen)}`);
      assert.ok(seen.length > 0, 'some requests reached the hook');
    });
  });
});
