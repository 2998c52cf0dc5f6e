/**
 * Shared helpers of the sandbox Node tests: real HTTP against a real sandbox, no mocks.
 */
import { randomBytes } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/index.js';

export const KEY = 'sk_sandbox_demo';

/** A small body that passes the JPEG magic-byte check (FF D8 FF), unique per call. */
export const jpeg = (size = 64): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size)]);

export interface Json {
  status: number;
  headers: Headers;
  body: any;
}

/** fetch + JSON body (or null when the body is not JSON). */
export async function call(sandbox: Sandbox, path: string, init: RequestInit = {}): Promise<Json> {
  const res = await fetch(sandbox.url + path, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body };
}

/** `POST /api/generate-verification` with the demo key; returns the verification id. */
export async function createV2(sandbox: Sandbox, body?: unknown, key = KEY): Promise<string> {
  const res = await call(sandbox, '/api/generate-verification', {
    method: 'POST',
    headers: { 'X-SDK-Key': key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`generate failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.verificationId as string;
}

export const details = (sandbox: Sandbox, id: string, key = KEY): Promise<Json> =>
  call(sandbox, `/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': key } });

/** Opens the flow as a phone: returns its device token and liveness prompts. */
export async function openFlow(sandbox: Sandbox, id: string): Promise<{ token: string; prompts: string[] }> {
  const res = await call(sandbox, `/v1/flow/${id}`);
  if (res.status !== 200) throw new Error(`flow open failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.deviceToken, prompts: res.body.liveness.prompts };
}

export const acceptTerms = (sandbox: Sandbox, id: string, token: string): Promise<Json> =>
  call(sandbox, `/v1/flow/${id}/terms`, { method: 'POST', headers: { 'X-Okid-Device': token } });

export function putCapture(
  sandbox: Sandbox,
  id: string,
  token: string,
  kind: string,
  bytes: Buffer,
  extraHeaders: Record<string, string> = {},
): Promise<Json> {
  return call(sandbox, `/v1/flow/${id}/captures/${kind}`, {
    method: 'PUT',
    headers: { 'X-Okid-Device': token, 'Content-Type': 'image/jpeg', ...extraHeaders },
    body: new Uint8Array(bytes),
  });
}

export const submit = (sandbox: Sandbox, id: string, token: string, documentType: string): Promise<Json> =>
  call(sandbox, `/v1/flow/${id}/submit`, {
    method: 'POST',
    headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ documentType }),
  });

/**
 * Runs the whole phone flow (terms, every capture for the type, submit) and returns the device
 * token and the bytes uploaded per kind.
 */
export async function runPhoneFlow(
  sandbox: Sandbox,
  id: string,
  documentType: 'passport' | 'id_card' | 'driving_licence' = 'id_card',
): Promise<{ token: string; uploaded: Record<string, Buffer> }> {
  const { token, prompts } = await openFlow(sandbox, id);
  await acceptTerms(sandbox, id, token);
  const kinds = ['document_front', ...(documentType === 'passport' ? [] : ['document_back']), 'selfie', ...prompts.map((_, n) => `liveness_${n}`)];
  const uploaded: Record<string, Buffer> = {};
  for (const kind of kinds) {
    uploaded[kind] = jpeg();
    const res = await putCapture(sandbox, id, token, kind, uploaded[kind]);
    if (res.status !== 201) throw new Error(`capture ${kind} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const res = await submit(sandbox, id, token, documentType);
  if (res.status !== 202) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token, uploaded };
}

/** Polls `read` until `done` holds (every 10 ms, up to `timeoutMs`). */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitFor timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for the v2 status to leave `processing`. */
export const waitForOutcome = (sandbox: Sandbox, id: string): Promise<Json> =>
  waitFor(
    () => details(sandbox, id),
    (res) => res.body?.status?.current !== 'processing',
  );
