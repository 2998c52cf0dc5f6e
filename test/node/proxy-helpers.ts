/**
 * Shared pieces of the proxy tests: real HTTP servers on 127.0.0.1:0, an upstream `fetch` that
 * records what the proxy sent, and the phone side of the sandbox's capture API.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlowConfigSchema } from '../../src/core/protocol.js';
import type { FlowConfig } from '../../src/core/protocol.js';

/** The sandbox's default key, used by every proxy in these tests. */
export const API_KEY = 'sk_sandbox_demo';

/** A listening server and how to stop it (open sockets included, so `after` never hangs). */
export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts a Node http server on 127.0.0.1 with a free port. */
export async function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One upstream call the proxy made. */
export interface UpstreamCall {
  method: string;
  url: string;
  headers: Headers;
}

/** A `fetch` for the proxy's `fetch` option that records every upstream call, then forwards it. */
export function recordingFetch(): { fetch: typeof fetch; calls: UpstreamCall[] } {
  const calls: UpstreamCall[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    calls.push({ method: request.method, url: request.url, headers: new Headers(request.headers) });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

/** Sends a request to the proxy's Fetch handler with a path (and optional init). */
export const request = (path: string, init?: RequestInit): Request => new Request(`http://operator.test${path}`, init);

/** The smallest body the sandbox accepts as a JPEG. */
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

/** The phone: drives one verification through the sandbox's capture API. */
export class Phone {
  config: FlowConfig | undefined;

  constructor(
    readonly apiUrl: string,
    readonly id: string,
  ) {}

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    assert.ok(this.config, 'open() first');
    return { 'X-Okid-Device': this.config.deviceToken, ...extra };
  }

  async #ok(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    assert.ok(response.ok, `${what}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** `GET /v1/flow/{id}`: marks the verification opened and binds this phone. */
  async open(): Promise<FlowConfig> {
    const response = await fetch(`${this.apiUrl}/v1/flow/${this.id}`);
    this.config = FlowConfigSchema.parse(await this.#ok(response, 'open'));
    return this.config;
  }

  async acceptTerms(): Promise<void> {
    await this.#ok(await fetch(`${this.apiUrl}/v1/flow/${this.id}/terms`, { method: 'POST', headers: this.#headers() }), 'terms');
  }

  async capture(kind: string): Promise<void> {
    const response = await fetch(`${this.apiUrl}/v1/flow/${this.id}/captures/${kind}`, {
      method: 'PUT',
      headers: this.#headers({ 'Content-Type': 'image/jpeg' }),
      body: JPEG,
    });
    await this.#ok(response, `capture ${kind}`);
  }

  /** Uploads every capture a passport needs: its sides, the selfie and each liveness prompt. */
  async captureAll(): Promise<void> {
    assert.ok(this.config);
    const passport = this.config.documentTypes.find((d) => d.type === 'passport');
    assert.ok(passport, 'sandbox offers passports');
    for (const side of passport.sides) await this.capture(`document_${side}`);
    await this.capture('selfie');
    for (let n = 0; n < this.config.liveness.prompts.length; n += 1) await this.capture(`liveness_${n}`);
  }

  async submit(): Promise<void> {
    const response = await fetch(`${this.apiUrl}/v1/flow/${this.id}/submit`, {
      method: 'POST',
      headers: this.#headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ documentType: 'passport' }),
    });
    await this.#ok(response, 'submit');
  }

  async cancel(): Promise<void> {
    await this.#ok(await fetch(`${this.apiUrl}/v1/flow/${this.id}/cancel`, { method: 'POST', headers: this.#headers() }), 'cancel');
  }

  /** The whole flow up to the submit. */
  async completeFlow(): Promise<void> {
    await this.open();
    await this.acceptTerms();
    await this.captureAll();
    await this.submit();
  }
}

/** Creates a v1 verification directly at the sandbox; returns its `tok_…` process token. */
export async function createV1(apiUrl: string, metadata: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/verification/generate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-SDK-Key': API_KEY },
    body: JSON.stringify({ metadata }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { process_token: string };
  assert.match(body.process_token, /^tok_/);
  return body.process_token;
}

/** Creates a v2 verification directly at the sandbox; returns its `ver_…` id. */
export async function createV2(apiUrl: string, extraData: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${apiUrl}/api/generate-verification`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-SDK-Key': API_KEY },
    body: JSON.stringify({ extra_data: extraData }),
  });
  assert.ok(response.ok, await response.clone().text());
  const body = (await response.json()) as { verificationId: string };
  assert.match(body.verificationId, /^ver_/);
  return body.verificationId;
}

/** Polls `read` until `done` holds (the sandbox finishes asynchronously); fails after `ms`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`condition not reached in ${ms} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads a body fully (for leak checks on any response, JSON or PNG). */
export async function bodyText(response: Response): Promise<string> {
  return Buffer.from(await response.arrayBuffer()).toString('latin1');
}

export type { IncomingMessage, ServerResponse };
