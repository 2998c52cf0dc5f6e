import { html, fixture, waitUntil } from '@open-wc/testing';
import type { StatusSnapshot } from '../../src/core/status.js';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import '../../src/index.js';

export interface Step {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  delayMs?: number;
}

let counter = 0;

export interface StreamStep {
  status: number;
  /** Messages without their final blank line, e.g. `event: status\ndata: {…}`. */
  sse?: string[];
  gapMs?: number;
  holdMs?: number;
  body?: unknown;
}

/** An SSE `status` message carrying `body`. */
export const sseStatus = (body: StatusSnapshot, id?: string): string =>
  `${id ? `id: ${id}\n` : ''}event: status\ndata: ${JSON.stringify(body)}`;

/** A fresh scripted proxy: its base URL, and a way to read what it was asked. */
export async function scriptedProxy(steps: Step[] | { poll: Step[]; events: StreamStep[] }) {
  const name = `s${Date.now().toString(36)}${counter++}`;
  const base = `/scripted/${name}`;
  await fetch(`${base}/__script`, { method: 'POST', body: JSON.stringify(steps) });
  return {
    url: base,
    requests: async (): Promise<Array<{ url: string; headers: Record<string, string>; at: number }>> =>
      (await fetch(`${base}/__requests`)).json(),
    streams: async (): Promise<Array<{ url: string; headers: Record<string, string>; at: number }>> =>
      (await fetch(`${base}/__streams`)).json(),
  };
}

export const ID = 'ver_unitTest1234';

/** One expiry for every snapshot of a test run: a verification's expiresAt does not change. */
const EXPIRES_AT = new Date(Date.now() + 10 * 60_000).toISOString();

export function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    verificationId: ID,
    status: 'created',
    progress: { terms: 'pending', document: 'pending', liveness: 'pending' },
    updatedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: EXPIRES_AT,
    ...overrides,
  };
}

export const ok = (body: StatusSnapshot, etag?: string): Step => ({
  status: 200,
  body,
  headers: etag ? { ETag: etag } : {},
});

/** Mounts `<okid-verify>` in handoff mode, polling fast. */
export async function mount(proxyUrl: string | undefined, attrs: Record<string, string> = {}): Promise<OkidVerifyElement> {
  const el = await fixture<OkidVerifyElement>(html`<okid-verify mode="handoff" poll-interval="250"></okid-verify>`);
  for (const [key, value] of Object.entries({ 'process-token': ID, ...(proxyUrl ? { 'proxy-url': proxyUrl } : {}), ...attrs })) {
    el.setAttribute(key, value);
  }
  await el.updateComplete;
  return el;
}

/** The visible text of the element's shadow root, whitespace folded. */
export const text = (el: Element): string => (el.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ').trim();

export const until = (predicate: () => boolean, message: string, timeout = 5000) =>
  waitUntil(predicate, message, { timeout, interval: 20 });

/** Collects every okid-* event the element fires. */
export function record(el: HTMLElement) {
  const events: Array<{ type: string; detail: any }> = [];
  for (const type of ['okid-status', 'okid-complete', 'okid-error']) {
    el.addEventListener(type, (event) => events.push({ type, detail: (event as CustomEvent).detail }));
  }
  return events;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
