/**
 * The page's side of the face worker (`face-worker.ts`): starts it where the page allows, loads
 * and warms the model there, then sends each frame as an `ImageBitmap` (transferred) and gets the
 * faces back. Tiny on purpose: it sits in the capture chunk; the model's code is in the worker's
 * own file (`models/face-worker.js`, beside the weights).
 *
 * A page may refuse a worker: a `worker-src` (or `child-src`, `script-src`, `default-src`) without
 * our origin, or Trusted Types enforced (`require-trusted-types-for 'script'`) without our policy
 * name {@link WORKER_POLICY_NAME} in `trusted-types`. The page's policies are read first (its
 * `<meta>` tags and the headers of its own URL), so that such a page gets the main-thread
 * detector with no error and no policy violation reported. A worker that fails to start, load or
 * warm gives `undefined` too.
 */
import type { FaceDetectorLike, FaceObservation, FrameSource } from './face-geometry.js';
import type { FromFaceWorker, ToFaceWorker } from './face-worker-protocol.js';

/** The Trusted Types policy that vouches for the worker's URL, where a page enforces Trusted Types. */
export const WORKER_POLICY_NAME = 'okid-verify';
/** Loading and warming the model in the worker may take this long on a slow phone (milliseconds). */
const READY_TIMEOUT_MS = 60_000;

/** Directives of the page's policies, each policy a map of directive → its source list. */
type Policy = Map<string, string[]>;

/** Parses one Content-Security-Policy (one header value or meta content) into its directives. */
export function parsePolicy(text: string): Policy {
  const policy: Policy = new Map();
  for (const part of text.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !policy.has(name.toLowerCase())) policy.set(name.toLowerCase(), values);
  }
  return policy;
}

/** Where a worker from `url` may start under `policies` and whether it needs our Trusted Types policy. */
export function workerAllowed(policies: Policy[], url: URL, pageOrigin: string): { allowed: boolean; trustedTypes: boolean } {
  // Browsers start workers from the page's own origin only.
  if (url.origin !== pageOrigin) return { allowed: false, trustedTypes: false };
  let trustedTypes = false;
  for (const policy of policies) {
    const sources = policy.get('worker-src') ?? policy.get('child-src') ?? policy.get('script-src') ?? policy.get('default-src');
    if (sources && !sources.some((s) => s === '*' || s === "'self'" || s === url.origin || s === `${url.protocol}` || s === `${url.origin}/`)) {
      return { allowed: false, trustedTypes: false };
    }
    if (policy.get('require-trusted-types-for')?.includes("'script'")) trustedTypes = true;
  }
  if (trustedTypes) {
    for (const policy of policies) {
      const names = policy.get('trusted-types');
      if (names && !names.includes(WORKER_POLICY_NAME) && !names.includes('*')) return { allowed: false, trustedTypes };
    }
  }
  return { allowed: true, trustedTypes };
}

/** The page's policies: its `<meta http-equiv>` ones and its own URL's headers (a HEAD request). */
async function pagePolicies(): Promise<Policy[]> {
  const texts = [...document.querySelectorAll('meta[http-equiv]')]
    .filter((meta) => meta.getAttribute('http-equiv')!.toLowerCase() === 'content-security-policy')
    .map((meta) => meta.getAttribute('content') ?? '');
  const response = await fetch(location.href, { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
  const header = response.headers.get('content-security-policy');
  // Several policies in one header value are separated by commas.
  if (header) texts.push(...header.split(','));
  return texts.map(parsePolicy);
}

interface TrustedTypePolicyLike {
  createScriptURL(url: string): unknown;
}
let policy: TrustedTypePolicyLike | undefined;
const vouched = new Set<string>();

/** The worker's URL as the page's Trusted Types want it: through our policy, which vouches for our worker URLs only. */
function scriptUrl(url: URL, trustedTypes: boolean): string {
  if (!trustedTypes) return url.href;
  vouched.add(url.href);
  const factory = (globalThis as { trustedTypes?: { createPolicy(name: string, rules: { createScriptURL(url: string): string }): TrustedTypePolicyLike } }).trustedTypes;
  if (!factory) return url.href;
  policy ??= factory.createPolicy(WORKER_POLICY_NAME, {
    createScriptURL: (candidate) => {
      if (!vouched.has(candidate)) throw new TypeError(`okid-verify: ${candidate} is not the face worker`);
      return candidate;
    },
  });
  return policy.createScriptURL(url.href) as string;
}

/** Starts the face worker from `workerUrl`, loads the model from `modelBaseUrl` in it; `undefined` where it cannot. Never rejects. */
export async function loadWorkerFaceDetector(workerUrl: URL, modelBaseUrl: string): Promise<FaceDetectorLike | undefined> {
  if (typeof Worker !== 'function' || typeof OffscreenCanvas !== 'function' || typeof createImageBitmap !== 'function') return undefined;
  let worker: Worker | undefined;
  try {
    const { allowed, trustedTypes } = workerAllowed(await pagePolicies(), workerUrl, location.origin);
    if (!allowed) return undefined;
    worker = new Worker(scriptUrl(workerUrl, trustedTypes), { name: 'okid-face' });
    return await started(worker, modelBaseUrl);
  } catch {
    worker?.terminate();
    return undefined;
  }
}

/** The detector once `worker` says the model is ready; rejects when it fails, dies or takes too long. */
function started(worker: Worker, modelBaseUrl: string): Promise<FaceDetectorLike> {
  const pending = new Map<number, { resolve(faces: FaceObservation[]): void; reject(error: Error): void }>();
  let next = 0;
  let dead: Error | undefined;
  const die = (error: Error): void => {
    dead ??= error;
    worker.terminate();
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const detector: FaceDetectorLike = {
    kind: 'bundled',
    offMainThread: true,
    async detect(source: FrameSource) {
      if (dead) throw dead;
      // A copy of the frame, handed over (not copied again) to the worker, which closes it.
      const frame = await createImageBitmap(source);
      const id = ++next;
      return new Promise<FaceObservation[]>((resolve, reject) => {
        if (dead) return reject(dead);
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'detect', id, frame } satisfies ToFaceWorker, [frame]);
      });
    },
    close: () => die(new Error('face worker closed')),
  };
  return new Promise<FaceDetectorLike>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('face worker: no answer')), READY_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      die(error);
      reject(error);
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      fail(new Error(`face worker: ${event.message || 'failed to start'}`));
    });
    worker.addEventListener('message', (event: MessageEvent<FromFaceWorker>) => {
      const message = event.data;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(detector);
      } else if (message.type === 'failed') {
        fail(new Error(`face worker: ${message.message}`));
      } else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'faces') waiter?.resolve(message.faces);
        else waiter?.reject(new Error(`face worker: ${message.message}`));
      }
    });
    worker.postMessage({ type: 'load', modelBaseUrl } satisfies ToFaceWorker);
  });
}
