// What the capture client and upload queue tests share: a per-device Storage, the test
// runner's sandbox (see sandbox-routes.js), and real small JPEGs.

/** A Storage that lives only as long as the test: one per simulated device. */
export class MemoryStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, String(value));
  }
}

let sandboxUrl: string | undefined;
/** The real sandbox's URL (its capture API allows cross-origin calls, as a phone makes them). */
export async function sandbox(): Promise<string> {
  sandboxUrl ??= ((await (await fetch('/__sandbox/url')).json()) as { url: string }).url;
  return sandboxUrl;
}

/** A new verification in the sandbox with the given outcome; its id. */
export async function createVerification(outcome = 'verified'): Promise<string> {
  const response = await fetch('/__sandbox/verifications', {
    method: 'POST',
    body: JSON.stringify({ extra_data: { sandbox_outcome: outcome } }),
  });
  return ((await response.json()) as { verificationId: string }).verificationId;
}

/** A real, small JPEG from a canvas; `color` makes each one's bytes different. */
export async function jpeg(color: string): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = 48;
  canvas.height = 32;
  const context = canvas.getContext('2d')!;
  context.fillStyle = color;
  context.fillRect(0, 0, 48, 32);
  context.fillStyle = '#fff';
  context.fillRect(8, 8, 16, 8);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob failed'))), 'image/jpeg', 0.9),
  );
}

/** Hex SHA-256 of an image, to compare what was sent with what the server holds. */
export const sha256 = async (data: Blob | ArrayBuffer): Promise<string> => {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buffer)), (b) => b.toString(16).padStart(2, '0')).join('');
};
