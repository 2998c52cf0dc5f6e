/**
 * Small HTTP helpers for the sandbox: okID's `{ error, details }` error bodies, JSON answers and
 * request bodies read with a hard size cap. Only `node:http`; no framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest JSON request body the sandbox reads, in bytes. */
export const MAX_JSON_BYTES = 64 * 1024;
/** Largest capture image the sandbox reads, in bytes (10 MB). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/**
 * A refusal that becomes an okID error body. `extra` fields are merged into the body (the QR
 * route's `current_status`, submit's `missing` list).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Sends a JSON body. `no-store` because every answer reflects live, per-verification state. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Sends an okID-style error body `{ error, details, ...extra }`. */
export function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
  const body: Record<string, unknown> = { error: error.message };
  if (error.details !== undefined) body.details = error.details;
  Object.assign(body, error.extra);
  sendJson(res, error.status, body, { ...headers, ...error.headers });
}

/** Sends bytes with a content type. */
export function sendBytes(
  res: ServerResponse,
  status: number,
  contentType: string,
  bytes: Buffer | string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(bytes),
  });
  res.end(bytes);
}

/**
 * Reads a request body of at most `limit` bytes. A declared or actual size above the limit
 * rejects with 413; the rest of the body is then drained (not buffered) so the client still
 * receives the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new HttpError(413, 'Request body too large', `The body must be at most ${limit} bytes.`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (failed) return;
      failed = true;
      reject(new HttpError(400, 'Request body could not be read', error.message));
    });
  });
}

/**
 * Reads an optional JSON object body. An empty body is `{}` (okID's generate bodies are
 * optional); malformed JSON or a non-object is 400.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_JSON_BYTES);
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'Invalid request body', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** The first value of a request header, or undefined. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `optionalObject(body, 'extra_data')`: absent, or a JSON object, else 400. */
export function optionalObject(body: Record<string, unknown>, field: string): Record<string, unknown> | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `Invalid ${field}`, `${field} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** `optionalUrl(body, 'return_url')`: absent, or an absolute http(s) URL, else 400. */
export function optionalUrl(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (!isHttpUrl(value)) {
    throw new HttpError(400, `Invalid ${field}`, `${field} must be an absolute http(s) URL.`);
  }
  return value;
}
