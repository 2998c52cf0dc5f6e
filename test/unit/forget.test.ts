// forgetVerification against real IndexedDB and the real sandbox: captures the queue could not
// send (the sandbox refuses uploads before the terms are accepted) stay stored until a person
// stops, then nothing of that verification is left on the phone, and nothing of any other is lost.
import { expect } from '@open-wc/testing';
import { CaptureClient, deviceStorageKey } from '../../src/capture/capture-client.js';
import { forgetVerification, progressStorageKey } from '../../src/capture/progress/forget.js';
import { FormDraft, formDraftKey } from '../../src/capture/progress/form-draft.js';
import { UploadQueue } from '../../src/capture/upload/upload-queue.js';
import { MemoryStorage, createVerification, jpeg, sandbox } from './capture-support.js';

/** A queue holding `kinds` that it cannot upload: the flow is opened, its terms are not accepted. */
async function stuckQueue(storage: Storage, indexedDB?: IDBFactory | null) {
  const id = await createVerification();
  const client = new CaptureClient(await sandbox(), id, storage);
  await client.loadFlow();
  const queue = await UploadQueue.open(id, client, { backoff: { baseMs: 10, maxMs: 50 }, ...(indexedDB === undefined ? {} : { indexedDB }) });
  await queue.add('document_front', await jpeg('#a33'));
  await queue.add('document_back', await jpeg('#3a3'));
  const refused = await queue.whenIdle().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refused, 'the sandbox refused the upload').to.be.instanceOf(Error);
  queue.close();
  storage.setItem(progressStorageKey(id), JSON.stringify({ documentType: 'id_card', confirmed: ['document_front', 'document_back'] }));
  return { id, client };
}

/** What a fresh queue of `id` finds stored: what a reload would resume with. */
async function storedKinds(id: string, indexedDB?: IDBFactory | null): Promise<string[]> {
  const client = new CaptureClient(await sandbox(), id, new MemoryStorage());
  const queue = await UploadQueue.open(id, client, indexedDB === undefined ? {} : { indexedDB });
  try {
    return (await queue.pending()).map((entry) => entry.kind);
  } finally {
    queue.close();
  }
}

describe('forgetVerification', () => {
  it("deletes one verification's captures, progress and device token, and nothing of another", async () => {
    const storage = new MemoryStorage();
    storage.setItem('unrelated', 'kept');
    const stopped = await stuckQueue(storage);
    const other = await stuckQueue(storage);
    expect(await storedKinds(stopped.id)).to.have.members(['document_front', 'document_back']);
    expect(storage.getItem(deviceStorageKey(stopped.id)), 'a device token was kept').to.be.a('string');
    // Form values typed but not yet sent are kept too, until the server has them.
    new FormDraft(stopped.id, storage).write({ given_names: 'Zoë' });
    expect(storage.getItem(formDraftKey(stopped.id))).to.contain('Zoë');

    await forgetVerification(stopped.id, { storage });
    expect(storage.getItem(formDraftKey(stopped.id)), 'unsent form values are deleted').to.equal(null);

    expect(await storedKinds(stopped.id)).to.deep.equal([]);
    expect(storage.getItem(progressStorageKey(stopped.id))).to.equal(null);
    expect(storage.getItem(deviceStorageKey(stopped.id))).to.equal(null);
    expect(await storedKinds(other.id)).to.have.members(['document_front', 'document_back']);
    expect(storage.getItem(progressStorageKey(other.id))).to.be.a('string');
    expect(storage.getItem(deviceStorageKey(other.id))).to.be.a('string');
    expect(storage.getItem('unrelated')).to.equal('kept');
    await forgetVerification(other.id, { storage });
    expect(await storedKinds(other.id)).to.deep.equal([]);
  });

  it('deletes captures kept in memory when IndexedDB is unavailable', async () => {
    const storage = new MemoryStorage();
    const { id } = await stuckQueue(storage, null);
    expect(await storedKinds(id, null)).to.have.length(2);
    await forgetVerification(id, { storage, indexedDB: null });
    expect(await storedKinds(id, null)).to.deep.equal([]);
    expect(storage.length).to.equal(0);
  });

  it('still removes the storage keys when storage throws on one of them, and twice is harmless', async () => {
    const storage = new MemoryStorage();
    const { id } = await stuckQueue(storage);
    const removed: string[] = [];
    const flaky = Object.assign(Object.create(storage) as Storage, {
      removeItem(key: string) {
        removed.push(key);
        if (key === progressStorageKey(id)) throw new DOMException('blocked', 'SecurityError');
        storage.removeItem(key);
      },
    });
    await forgetVerification(id, { storage: flaky });
    expect(removed).to.have.members([progressStorageKey(id), deviceStorageKey(id), formDraftKey(id)]);
    expect(storage.getItem(deviceStorageKey(id))).to.equal(null);
    expect(await storedKinds(id)).to.deep.equal([]);
    await forgetVerification(id, { storage });
    expect(storage.length).to.equal(0);
  });
});
