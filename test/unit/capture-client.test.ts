// CaptureClient against the real sandbox (its capture API allows CORS), plus the scripted proxy
// for the answers a healthy sandbox never gives (429, 5xx, garbage, a slow server).
import { expect } from '@open-wc/testing';
import { CaptureApiError, CaptureClient, deviceStorageKey } from '../../src/capture/capture-client.js';
import { MemoryStorage, createVerification, jpeg, sandbox, sha256 } from './capture-support.js';

/** A scripted server (test/unit/scripted-proxy.js): each request takes the next step; the last repeats. */
async function scriptedProxy(steps: Array<{ status: number; headers?: Record<string, string>; body?: unknown; raw?: string; delayMs?: number }>) {
  const url = `/scripted/capture${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  await fetch(`${url}/__script`, { method: 'POST', body: JSON.stringify(steps) });
  return {
    url,
    requests: async () => (await (await fetch(`${url}/__requests`)).json()) as Array<{ url: string; headers: Record<string, string> }>,
  };
}

const details = async (id: string) =>
  (await (await fetch(`/__sandbox/verifications/${id}`)).json()) as { status: { current: string } };

/** Runs `call` and returns the CaptureApiError it must reject with. */
async function failure(call: Promise<unknown>): Promise<CaptureApiError> {
  try {
    await call;
  } catch (error) {
    expect(error).to.be.instanceOf(CaptureApiError);
    return error as CaptureApiError;
  }
  throw new Error('expected a CaptureApiError');
}

async function waitForStatus(id: string, wanted: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await details(id)).status.current === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`status never became ${wanted}`);
}

describe('CaptureClient', () => {
  it('loads the flow, keeps the device token in storage, and a reload is the same device', async () => {
    const url = await sandbox();
    const id = await createVerification();
    const phone = new MemoryStorage();

    const flow = await new CaptureClient(url, id, phone).loadFlow();
    expect(flow.verificationId).to.equal(id);
    expect(flow.status).to.equal('opened');
    expect(flow.steps).to.deep.equal(['terms', 'document', 'liveness']);
    expect(flow.liveness.prompts.length).to.be.greaterThan(0);
    const token = phone.getItem(deviceStorageKey(id));
    expect(token, 'token kept in storage').to.be.a('string').and.not.equal('');
    expect(flow.deviceToken, 'the token is not handed out').to.equal('');

    // The page reloads: a new client with the same storage is recognised, on GET and on writes.
    const reloaded = new CaptureClient(url, id, phone);
    expect((await reloaded.loadFlow()).status).to.equal('opened');
    await reloaded.acceptTerms();
    expect(phone.getItem(deviceStorageKey(id))).to.equal(token);

    // Another phone scanning the same QR is refused, on GET and on writes.
    const other = new CaptureClient(url, id, new MemoryStorage());
    const onGet = await failure(other.loadFlow());
    expect([onGet.status, onGet.code, onGet.retryable]).to.deep.equal([409, 'OTHER_DEVICE', false]);
    const onWrite = await failure(other.acceptTerms());
    expect(onWrite.code).to.equal('OTHER_DEVICE');
    expect(`${onGet.message} ${onWrite.message} ${JSON.stringify(other)}`).not.to.include(token!);
  });

  it('keeps the device token in localStorage by default', async () => {
    const url = await sandbox();
    const id = await createVerification();
    try {
      await new CaptureClient(url, id).loadFlow();
      expect(localStorage.getItem(deviceStorageKey(id))).to.be.a('string').and.not.equal('');
      await new CaptureClient(url, id).acceptTerms();
    } finally {
      localStorage.removeItem(deviceStorageKey(id));
    }
  });

  it('opens the flow itself when a write comes before any GET', async () => {
    const url = await sandbox();
    const id = await createVerification();
    const phone = new MemoryStorage();
    await new CaptureClient(url, id, phone).acceptTerms();
    expect(phone.getItem(deviceStorageKey(id))).to.be.a('string').and.not.equal('');
    expect((await details(id)).status.current).to.equal('in_progress');
  });

  it('uploads captures and submits; a submit too early names what is missing', async () => {
    const url = await sandbox();
    const id = await createVerification('verified');
    const phone = new MemoryStorage();
    const client = new CaptureClient(url, id, phone);
    const flow = await client.loadFlow();

    const early = await failure(client.putCapture('document_front', await jpeg('#123'), 'k-early'));
    expect([early.status, early.code, early.retryable]).to.deep.equal([409, 'BAD_REQUEST', false]);
    expect(early.message).to.match(/terms/i);

    await client.acceptTerms();
    const front = await jpeg('#246');
    await client.putCapture('document_front', front, 'k-front');
    await client.putCapture('document_front', front, 'k-front'); // a retry with the same key is harmless

    const missing = await failure(client.submit('id_card'));
    expect([missing.status, missing.code, missing.retryable]).to.deep.equal([400, 'BAD_REQUEST', false]);
    const livenessKinds = flow.liveness.prompts.map((_, n) => `liveness_${n}`);
    expect(missing.missing).to.deep.equal(['document_back', 'selfie', ...livenessKinds]);

    const back = await jpeg('#468');
    const selfie = await jpeg('#68a');
    await client.putCapture('document_back', back, 'k-back');
    await client.putCapture('selfie', selfie, 'k-selfie');
    for (const [n, kind] of livenessKinds.entries()) await client.putCapture(kind, await jpeg(`#8${n}c`), `k-${kind}`);
    await client.submit('id_card');

    // Submitted: no more changes.
    const late = await failure(client.putCapture('selfie', selfie, 'k-late'));
    expect([late.status, late.code, late.retryable]).to.deep.equal([409, 'FINISHED', false]);

    await waitForStatus(id, 'verified');
    for (const [side, blob] of [['front', front], ['back', back], ['selfie', selfie]] as const) {
      const stored = await (await fetch(`/__sandbox/images/${side}/${id}`)).arrayBuffer();
      expect(await sha256(stored), side).to.equal(await sha256(blob));
    }

    // Finished: the bound phone and any other device still read the result; writes are FINISHED.
    const token = phone.getItem(deviceStorageKey(id));
    const mine = await new CaptureClient(url, id, phone).loadFlow();
    expect(mine.status).to.equal('completed');
    const stranger = new MemoryStorage();
    expect((await new CaptureClient(url, id, stranger).loadFlow()).status).to.equal('completed');
    expect(stranger.length, 'an empty token is not stored').to.equal(0);
    expect(phone.getItem(deviceStorageKey(id))).to.equal(token);
    const after = await failure(new CaptureClient(url, id, phone).acceptTerms());
    expect(after.code).to.equal('FINISHED');
    const strangerWrite = await failure(new CaptureClient(url, id, stranger).acceptTerms());
    expect(strangerWrite.code).to.equal('FINISHED');
  });

  it('refuses an Idempotency-Key reused for other bytes', async () => {
    const url = await sandbox();
    const id = await createVerification();
    const client = new CaptureClient(url, id, new MemoryStorage());
    await client.acceptTerms();
    await client.putCapture('selfie', await jpeg('#111'), 'same-key');
    const reused = await failure(client.putCapture('selfie', await jpeg('#eee'), 'same-key'));
    expect([reused.status, reused.code]).to.deep.equal([409, 'BAD_REQUEST']);
  });

  it('maps a canceled verification to FINISHED', async () => {
    const url = await sandbox();
    const id = await createVerification();
    const client = new CaptureClient(url, id, new MemoryStorage());
    await client.loadFlow();
    await client.cancel();
    expect((await client.loadFlow()).status).to.equal('canceled');
    const refused = await failure(client.acceptTerms());
    expect([refused.status, refused.code]).to.deep.equal([409, 'FINISHED']);
  });

  it('maps an expired verification to EXPIRED, and still reads its flow', async () => {
    // The sandbox's expiry is 30 minutes; the scripted proxy answers exactly as it does then.
    const id = 'ver_expiredFlow1234';
    const expiredFlow = {
      verificationId: id,
      status: 'expired',
      steps: ['terms', 'document', 'liveness'],
      documentTypes: [{ type: 'passport', sides: ['front'] }],
      liveness: { prompts: ['straight'] },
      progress: { terms: 'pending', document: 'pending', liveness: 'pending' },
      expiresAt: '2026-01-01T00:00:00.000Z',
      returnUrl: null,
      deviceToken: '',
    };
    const expiredWrite = {
      status: 409,
      body: { error: 'Verification is expired', details: 'A finished or expired verification accepts no more changes.' },
    };
    const proxy = await scriptedProxy([{ status: 200, body: expiredFlow }, expiredWrite]);

    // A device without a token reads the status, then a write fails without another request.
    const stranger = new CaptureClient(proxy.url, id, new MemoryStorage());
    expect((await stranger.loadFlow()).status).to.equal('expired');
    const proxy2 = await scriptedProxy([{ status: 200, body: expiredFlow }]);
    const noToken = await failure(new CaptureClient(proxy2.url, id, new MemoryStorage()).acceptTerms());
    expect([noToken.code, noToken.retryable]).to.deep.equal(['EXPIRED', false]);

    // The bound device's write gets the 409.
    const bound = new MemoryStorage();
    bound.setItem(deviceStorageKey(id), 'bound-token');
    const refused = await failure(new CaptureClient(proxy.url, id, bound).putCapture('selfie', await jpeg('#000'), 'k'));
    expect([refused.status, refused.code, refused.retryable]).to.deep.equal([409, 'EXPIRED', false]);
    const requests = await proxy.requests();
    expect(requests.at(-1)!.headers['x-okid-device']).to.equal('bound-token');
    expect(requests.at(-1)!.headers['idempotency-key']).to.equal('k');
  });

  it('maps an unknown verification to NOT_FOUND', async () => {
    const url = await sandbox();
    const missing = await failure(new CaptureClient(url, 'ver_doesNotExist1234', new MemoryStorage()).loadFlow());
    expect([missing.status, missing.code, missing.retryable]).to.deep.equal([404, 'NOT_FOUND', false]);
  });

  it('refuses an image above the server limit with BAD_REQUEST (413)', async () => {
    const url = await sandbox();
    const id = await createVerification();
    const client = new CaptureClient(url, id, new MemoryStorage());
    await client.acceptTerms();
    const huge = new Blob([new Uint8Array([0xff, 0xd8, 0xff]), new Uint8Array(10 * 1024 * 1024)], { type: 'image/jpeg' });
    const refused = await failure(client.putCapture('selfie', huge, 'k-huge'));
    expect([refused.status, refused.code, refused.retryable]).to.deep.equal([413, 'BAD_REQUEST', false]);
  });

  it('refuses an unknown capture kind without a request', async () => {
    const proxy = await scriptedProxy([{ status: 500 }]);
    const storage = new MemoryStorage();
    storage.setItem(deviceStorageKey('ver_kindCheck1234'), 't');
    const refused = await failure(new CaptureClient(proxy.url, 'ver_kindCheck1234', storage).putCapture('passport', await jpeg('#000'), 'k'));
    expect([refused.status, refused.code]).to.deep.equal([0, 'BAD_REQUEST']);
    expect(await proxy.requests()).to.have.length(0);
  });

  it('maps 429 with Retry-After, 5xx, 401 and answers it cannot read', async () => {
    const id = 'ver_scriptedFlow1234';
    const storage = new MemoryStorage();
    storage.setItem(deviceStorageKey(id), 'token');
    const proxy = await scriptedProxy([
      { status: 429, headers: { 'Retry-After': '3' }, body: { error: 'Too many requests' } },
      { status: 503, body: { error: 'Unavailable' } },
      { status: 401, body: { error: 'Missing device token' } },
      { status: 200, raw: '<html>Wi-Fi login</html>' },
      { status: 200, body: { verificationId: id, status: 'opened' } },
    ]);
    const client = new CaptureClient(proxy.url, id, storage);

    const limited = await failure(client.acceptTerms());
    expect([limited.status, limited.code, limited.retryable, limited.retryAfterMs]).to.deep.equal([429, 'RATE_LIMITED', true, 3000]);
    const down = await failure(client.submit('passport'));
    expect([down.status, down.code, down.retryable]).to.deep.equal([503, 'SERVER', true]);
    const unauthorized = await failure(client.cancel());
    expect([unauthorized.status, unauthorized.code, unauthorized.retryable]).to.deep.equal([401, 'OTHER_DEVICE', false]);
    const portal = await failure(client.loadFlow());
    expect([portal.code, portal.retryable]).to.deep.equal(['NETWORK', true]);
    const garbage = await failure(client.loadFlow());
    expect([garbage.code, garbage.retryable]).to.deep.equal(['SERVER', false]);
  });

  it('maps an unreachable server and a slow one to NETWORK, and a caller abort to AbortError', async () => {
    const unreachable = await failure(new CaptureClient('http://127.0.0.1:9', 'ver_unreachable1234', new MemoryStorage()).loadFlow());
    expect([unreachable.status, unreachable.code, unreachable.retryable]).to.deep.equal([0, 'NETWORK', true]);

    const proxy = await scriptedProxy([{ status: 200, body: {}, delayMs: 1000 }]);
    const started = performance.now();
    const slow = await failure(new CaptureClient(proxy.url, 'ver_slowServer1234', new MemoryStorage(), { timeoutMs: 100 }).loadFlow());
    expect([slow.code, slow.retryable]).to.deep.equal(['NETWORK', true]);
    expect(slow.message).to.match(/did not answer/);
    expect(performance.now() - started).to.be.lessThan(900);

    const controller = new AbortController();
    const call = new CaptureClient(proxy.url, 'ver_slowServer1234', new MemoryStorage()).loadFlow(controller.signal);
    controller.abort();
    const aborted = await call.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(aborted).not.to.be.instanceOf(CaptureApiError);
    expect((aborted as DOMException).name).to.equal('AbortError');
  });
});
