/**
 * Helpers of the vendor sandbox tests (OOTO-AI, uqudo): a real local receiver for callbacks, and
 * a "browser" that presses a button of a script-free page by posting the form that holds it, as a
 * phone's browser would.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page fetched as a browser would, with its status, CSP and HTML. */
export interface Page {
  status: number;
  csp: string | null;
  html: string;
  url: string;
}

export async function openPage(url: string): Promise<Page> {
  const res = await fetch(url);
  return { status: res.status, csp: res.headers.get('content-security-policy'), html: await res.text(), url };
}

/** The buttons of a page, by label. */
export function buttons(page: Page): string[] {
  return [...page.html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => decodeEntities(m[1]!));
}

const decodeEntities = (text: string): string =>
  text.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Presses the button labelled `label`: posts its form's fields (url-encoded) to its action,
 * without following the redirect, and returns the answer. Fails when the page has no such button.
 */
export async function press(page: Page, label: string): Promise<Response> {
  const forms = [...page.html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)];
  const form = forms.find((m) => new RegExp(`<button[^>]*>${escapeRegExp(escapeHtmlText(label))}</button>`).test(m[2]!));
  assert.ok(form, `no button "${label}" on the page; buttons: ${buttons(page).join(' | ')}`);
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.append(input[1]!, decodeEntities(input[2]!));
  return fetch(new URL(decodeEntities(form[1]!), page.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
}

const escapeHtmlText = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Presses a button, checks the 303 back to the page, and opens the page again. */
export async function pressAndFollow(page: Page, label: string): Promise<Page> {
  const res = await press(page, label);
  assert.equal(res.status, 303, `pressing "${label}"`);
  const location = res.headers.get('location');
  assert.ok(location);
  return openPage(new URL(location, page.url).href);
}

/** A real local HTTP server that records each POST; `answers` gives the status of each in turn (then 200). */
export async function receiver(answers: number[] = []): Promise<{
  url: string;
  posts: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: any }>;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}> {
  const posts: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: any }> = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      posts.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (posts.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} posts, got ${posts.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
