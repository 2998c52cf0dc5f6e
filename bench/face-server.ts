/**
 * The face benchmarks' page server: the face model at `/models/`, the pictures at
 * `{prefix}{index}`, an empty page elsewhere; nothing outside those files is served.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODEL_DIR = fileURLToPath(new URL('../node_modules/@vladmandic/face-api/model', import.meta.url));

/** Serves `files` at `{prefix}{index}` beside the model, on 127.0.0.1 (any free port). */
export async function serveFaceFiles(files: readonly string[], prefix: string): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    let file: string | undefined;
    if (path.startsWith('/models/')) file = normalize(join(MODEL_DIR, decodeURIComponent(path.slice('/models/'.length))));
    if (path.startsWith(prefix)) file = files[Number(path.slice(prefix.length))];
    if (!file) return void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>faces</title>');
    if (!file.startsWith(MODEL_DIR) && !files.includes(file)) return void response.writeHead(404).end();
    readFile(file).then(
      (body) => response.writeHead(200).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}
