// UploadQueue against the real sandbox, with real IndexedDB. The one fault the sandbox cannot
// produce, a connection that drops, comes from a wrapper around window.fetch (restored after
// each test) that fails chosen requests before they leave, or after their answer arrived.
import { expect } from '@open-wc/testing';
import { CaptureApiError, CaptureClient, deviceStorageKey } from '../../src/capture/capture-client.js';
import { UploadQueue, type UploadQueueState } from '../../src/capture/upload/upload-queue.js';
import { MemoryStorage, createVerification, jpeg, sandbox, sha256 } from './capture-support.js';

const FAST = { backoff: { baseMs: 10, maxMs: 50 } };

/** A verification opened on a "phone", terms accepted: ready for captures. */
async function openedFlow() {
  const url = await sandbox();
  const id = await createVerification();
  const storage = new MemoryStorage();
  const client = new CaptureClient(url, id, storage);
  const flow = await client.loadFlow();
  await client.acceptTerms();
  const kinds = ['document_front', 'document_back', 'selfie', ...flow.liveness.prompts.map((_, n) => `liveness_${n}`)];
  return { url, id, storage, client, kinds };
}

/** What the sandbox stored, read back after submit. */
async function storedImage(side: 'front' | 'back' | 'selfie', id: string): Promise<string> {
  const response = await fetch(`/__sandbox/images/${side}/${id}`);
  expect(response.status, `${side} image`).to.equal(200);
  return sha256(await response.arrayBuffer());
}

/** The raw IndexedDB entries of a verification, read without the queue. */
async function rawEntries(id: string): Promise<Array<{ kind: string; idempotencyKey: string; blob: Blob; verificationId: string }>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('okid-verify');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    if (!db.objectStoreNames.contains('captures')) return [];
    const request = db.transaction('captures', 'readonly').objectStore('captures').getAll(IDBKeyRange.bound([id], [id, []]));
    return await new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

interface Put {
  kind: string;
  key: string | null;
  /** The server's status, also when the test then dropped the answer; undefined when it never left. */
  status?: number;
  dropped: 'before' | 'after' | false;
}

const realFetch = window.fetch;
/**
 * Wraps window.fetch: records every capture PUT and lets `fault` decide, per attempt of a kind
 * (0 for the first), whether the connection drops before the request leaves or after the
 * server answered.
 */
function cutConnection(fault: (kind: string, attempt: number) => 'before' | 'after' | false = () => false) {
  const puts: Put[] = [];
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const kind = /\/captures\/([^/?]+)/.exec(url)?.[1];
    if (init?.method !== 'PUT' || !kind) return realFetch(input, init);
    const key = new Headers(init.headers).get('Idempotency-Key');
    const attempt = puts.filter((p) => p.kind === kind).length;
    const drop = fault(kind, attempt);
    const put: Put = { kind, key, dropped: drop };
    puts.push(put);
    if (drop === 'before') throw new TypeError('Failed to fetch');
    const response = await realFetch(input, init);
    put.status = response.status;
    if (drop === 'after') throw new TypeError('Failed to fetch');
    return response;
  };
  return puts;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('UploadQueue', () => {
  const ids: string[] = [];
  const queues: UploadQueue[] = [];
  const track = (queue: UploadQueue, id: string) => {
    queues.push(queue);
    ids.push(id);
    return queue;
  };

  afterEach(async () => {
    window.fetch = realFetch;
    for (const queue of queues.splice(0)) queue.close();
    for (const id of ids.splice(0)) {
      await UploadQueue.clear(id);
      await UploadQueue.clear(id, { indexedDB: null });
    }
  });

  it('stores each capture before uploading it, uploads in order, and deletes it once the server has it', async () => {
    const { id, client, kinds } = await openedFlow();
    const puts = cutConnection();
    const storedAtUpload: boolean[] = [];
    const wrapped = window.fetch;
    window.fetch = async (input, init) => {
      const kind = /\/captures\/([^/?]+)/.exec(String(input))?.[1];
      if (init?.method === 'PUT' && kind) storedAtUpload.push((await rawEntries(id)).some((e) => e.kind === kind));
      return wrapped(input, init);
    };
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    expect(queue.persistent).to.equal(true);

    const blobs = new Map<string, Blob>();
    for (const [n, kind] of kinds.entries()) {
      blobs.set(kind, await jpeg(`#${n}${n}${n}`));
      await queue.add(kind, blobs.get(kind)!);
    }
    await queue.whenIdle();

    expect(puts.map((p) => p.kind)).to.deep.equal(kinds);
    expect(puts.every((p) => p.status === 201)).to.equal(true);
    expect(storedAtUpload).to.deep.equal(kinds.map(() => true));
    expect(await rawEntries(id)).to.deep.equal([]);
    expect(await queue.pending()).to.deep.equal([]);
    expect(queue.state).to.deep.equal({ pending: 0 });

    await client.submit('id_card');
    expect(await storedImage('front', id)).to.equal(await sha256(blobs.get('document_front')!));
  });

  it('survives a network cut: each capture ends stored exactly once', async () => {
    const { id, client, kinds } = await openedFlow();
    // Every kind's first attempt never leaves; document_front's second reaches the server but its
    // answer is lost, so the third is a retry of a capture the server already has.
    const puts = cutConnection((kind, attempt) => (attempt === 0 ? 'before' : kind === 'document_front' && attempt === 1 ? 'after' : false));
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    const states: UploadQueueState[] = [];
    queue.onChange((state) => states.push(state));

    const blobs = new Map<string, Blob>();
    for (const [n, kind] of kinds.entries()) {
      blobs.set(kind, await jpeg(`#${n}a${n}`));
      await queue.add(kind, blobs.get(kind)!);
    }
    await queue.whenIdle();

    for (const kind of kinds) {
      const attempts = puts.filter((p) => p.kind === kind);
      expect(new Set(attempts.map((p) => p.key)).size, `${kind}: one Idempotency-Key`).to.equal(1);
      expect(attempts.filter((p) => p.status === 201), `${kind}: stored once`).to.have.length(1);
    }
    expect(puts.filter((p) => p.kind === 'document_front').map((p) => p.status)).to.deep.equal([undefined, 201, 200]);
    const retrying = states.find((s) => s.retryAt !== undefined);
    expect(retrying?.error?.code).to.equal('NETWORK');
    expect(await rawEntries(id)).to.deep.equal([]);

    await client.submit('id_card');
    expect(await storedImage('front', id)).to.equal(await sha256(blobs.get('document_front')!));
    expect(await storedImage('back', id)).to.equal(await sha256(blobs.get('document_back')!));
    expect(await storedImage('selfie', id)).to.equal(await sha256(blobs.get('selfie')!));
  });

  it('resumes after a reload mid-queue and uploads what was pending', async () => {
    const { url, id, storage, client, kinds } = await openedFlow();
    const offlinePuts = cutConnection(() => 'before');
    const first = track(await UploadQueue.open(id, client, FAST), id);
    const blobs = new Map<string, Blob>();
    for (const [n, kind] of kinds.entries()) {
      blobs.set(kind, await jpeg(`#${n}0${n}`));
      await first.add(kind, blobs.get(kind)!);
    }
    while (offlinePuts.length < 2) await tick(5);
    const idle = first.whenIdle();
    first.close();
    first.close();
    await idle.then(
      () => expect.fail('whenIdle resolved on a closed queue'),
      (error: DOMException) => expect(error.name).to.equal('AbortError'),
    );
    const attemptsAtClose = offlinePuts.length;
    await tick(120);
    expect(offlinePuts.length, 'no retry after close').to.equal(attemptsAtClose);
    expect((await rawEntries(id)).map((e) => e.kind).sort()).to.deep.equal([...kinds].sort());

    // The "reloaded" page: a new client with the same storage, a new queue, the network back.
    const puts = cutConnection();
    const second = track(await UploadQueue.open(id, new CaptureClient(url, id, storage), FAST), id);
    expect((await second.pending()).map((p) => p.kind)).to.deep.equal(kinds);
    await second.whenIdle();
    expect(puts.map((p) => p.kind)).to.deep.equal(kinds);
    expect(await rawEntries(id)).to.deep.equal([]);

    await client.submit('id_card');
    expect(await storedImage('back', id)).to.equal(await sha256(blobs.get('document_back')!));
  });

  it('replaces a retaken capture with a new Idempotency-Key', async () => {
    const { id, client, kinds } = await openedFlow();
    const firstPuts = cutConnection(() => 'before');
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    const first = await jpeg('#a00');
    await queue.add('document_front', first);
    while (firstPuts.length < 1) await tick(5);
    const [original] = await rawEntries(id);

    const retake = await jpeg('#0a0');
    await queue.add('document_front', retake);
    const entries = await rawEntries(id);
    expect(entries).to.have.length(1);
    expect(entries[0]!.idempotencyKey).not.to.equal(original!.idempotencyKey);
    expect(await sha256(entries[0]!.blob)).to.equal(await sha256(retake));
    const pending = await queue.pending();
    expect(pending.map((p) => p.kind)).to.deep.equal(['document_front']);

    const puts = cutConnection();
    for (const kind of kinds.slice(1)) await queue.add(kind, await jpeg('#00a'));
    await queue.whenIdle();
    expect(puts.filter((p) => p.kind === 'document_front').map((p) => p.key)).to.deep.equal([entries[0]!.idempotencyKey]);
    await client.submit('id_card');
    expect(await storedImage('front', id)).to.equal(await sha256(retake));
  });

  it('stops on a refusal, rejects whenIdle with it, and keeps the capture', async () => {
    const { id, client } = await openedFlow();
    await client.cancel();
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    const states: UploadQueueState[] = [];
    queue.onChange((state) => states.push(state));
    await queue.add('selfie', await jpeg('#555'));
    const error = await queue.whenIdle().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CaptureApiError);
    expect((error as CaptureApiError).code).to.equal('FINISHED');
    expect(states.at(-1)).to.deep.include({ pending: 1, error });
    expect((await queue.pending()).map((p) => p.kind)).to.deep.equal(['selfie']);

    await UploadQueue.clear(id);
    expect(await rawEntries(id)).to.deep.equal([]);
  });

  it('waits for the online event while the browser is offline', async () => {
    const { id, client } = await openedFlow();
    const puts = cutConnection((_, attempt) => (attempt === 0 ? 'before' : false));
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    try {
      const queue = track(await UploadQueue.open(id, client, FAST), id);
      await queue.add('selfie', await jpeg('#777'));
      while (puts.length < 1) await tick(5);
      await tick(150); // three times the largest backoff: an online queue would have retried
      expect(puts).to.have.length(1);
      expect(queue.state.error?.code).to.equal('NETWORK');
      expect(queue.state.retryAt).to.equal(undefined);

      delete (navigator as { onLine?: boolean }).onLine;
      window.dispatchEvent(new Event('online'));
      await queue.whenIdle();
      expect(puts.map((p) => p.status)).to.deep.equal([undefined, 201]);
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });

  it('honours Retry-After on a 429', async () => {
    const id = 'ver_rateLimited1234';
    const script = `/scripted/queue${Date.now().toString(36)}`;
    await fetch(`${script}/__script`, {
      method: 'POST',
      body: JSON.stringify([{ status: 429, headers: { 'Retry-After': '2' }, body: { error: 'Too many requests' } }]),
    });
    const storage = new MemoryStorage();
    storage.setItem(deviceStorageKey(id), 'token');
    const queue = track(await UploadQueue.open(id, new CaptureClient(script, id, storage), FAST), id);
    const waiting = new Promise<UploadQueueState>((resolve) => queue.onChange((s) => s.retryAt && resolve(s)));
    await queue.add('selfie', await jpeg('#999'));
    const state = await waiting;
    expect(state.error?.code).to.equal('RATE_LIMITED');
    expect(state.retryAt! - Date.now()).to.be.greaterThan(1800);
    queue.close();
    expect((await rawEntries(id)).map((e) => e.kind)).to.deep.equal(['selfie']);
  });

  it('keeps captures in memory when IndexedDB is unavailable, and says so', async () => {
    const { id, client, kinds } = await openedFlow();
    const offline = cutConnection(() => 'before');
    const first = track(await UploadQueue.open(id, client, { ...FAST, indexedDB: null }), id);
    expect(first.persistent).to.equal(false);
    await first.add('document_front', await jpeg('#321'));
    while (offline.length < 1) await tick(5);
    first.close();
    expect(await rawEntries(id)).to.deep.equal([]);

    cutConnection();
    const second = track(await UploadQueue.open(id, client, { ...FAST, indexedDB: null }), id);
    expect((await second.pending()).map((p) => p.kind)).to.deep.equal(['document_front']);
    for (const kind of kinds.slice(1)) await second.add(kind, await jpeg('#123'));
    await second.whenIdle();
    expect(await second.pending()).to.deep.equal([]);
    await client.submit('id_card');
  });

  it('adds its store to an okid-verify database that other code created first', async () => {
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase('okid-verify');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('okid-verify', 3);
      request.onupgradeneeded = () => request.result.createObjectStore('other');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const { id, client } = await openedFlow();
    cutConnection(() => 'before');
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    expect(queue.persistent).to.equal(true);
    await queue.add('selfie', await jpeg('#456'));
    expect((await rawEntries(id)).map((e) => e.kind)).to.deep.equal(['selfie']);
    queue.close();
    const names = await new Promise<string[]>((resolve) => {
      const request = indexedDB.open('okid-verify');
      request.onsuccess = () => {
        resolve([...request.result.objectStoreNames]);
        request.result.close();
      };
    });
    expect(names).to.deep.equal(['captures', 'other']);
  });

  it('refuses add() after close()', async () => {
    const { id, client } = await openedFlow();
    const queue = track(await UploadQueue.open(id, client, FAST), id);
    queue.close();
    const error = await queue.add('selfie', await jpeg('#000')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as DOMException).name).to.equal('AbortError');
    expect(await rawEntries(id)).to.deep.equal([]);
  });

  it('keeps a capture the database refuses in memory, uploads it, and says it is unsaved', async () => {
    // A real refusal, not a stub: an okid-verify database whose `captures` store another
    // version created with a different key path opens fine, but every put() of ours fails
    // with a DataError, as a full quota or Safari's blob-storage error fails the write.
    await deleteDatabase();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('okid-verify', 2);
      request.onupgradeneeded = () => request.result.createObjectStore('captures', { keyPath: 'id' });
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    try {
      const { id, client, kinds } = await openedFlow();
      const offline = cutConnection(() => 'before');
      const queue = track(await UploadQueue.open(id, client, FAST), id);
      expect(queue.persistent, 'the database opened').to.equal(true);
      const states: UploadQueueState[] = [];
      queue.onChange((state) => states.push(state));

      const front = await jpeg('#a1a');
      await queue.add('document_front', front);
      expect(queue.state.pending).to.equal(1);
      expect(queue.state.unsaved, 'the page is told the capture is in memory only').to.equal(1);
      while (offline.length < 1) await tick(5);
      // A queue reopened on the same page (the flow restarting a step) still has it.
      const reopened = track(await UploadQueue.open(id, client, FAST), id);
      expect((await reopened.pending()).map((p) => p.kind)).to.deep.equal(['document_front']);
      reopened.close();

      const puts = cutConnection();
      for (const kind of kinds.slice(1)) await queue.add(kind, await jpeg('#1a1'));
      await queue.whenIdle();
      expect(puts.map((p) => p.kind)).to.deep.equal(kinds);
      expect(puts.every((p) => p.status === 201)).to.equal(true);
      const pendingStates = states.filter((s) => s.pending > 0);
      expect(pendingStates.length).to.be.greaterThan(kinds.length);
      expect(pendingStates.every((s) => s.unsaved === s.pending), 'every pending capture is in memory only').to.equal(true);
      expect(queue.state).to.deep.equal({ pending: 0 });
      expect(await queue.pending()).to.deep.equal([]);
      await client.submit('id_card');
      expect(await storedImage('front', id)).to.equal(await sha256(front));
    } finally {
      await deleteDatabase();
    }
  });
});

function deleteDatabase(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase('okid-verify');
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}
