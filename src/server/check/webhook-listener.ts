/**
 * The live check's webhook listener: an HTTP server that waits for one signed delivery from okID,
 * checks it with `verifyWebhook` (every reading of okID's words) and says which reading matched,
 * so the operator can pin `webhookScheme`. A refused delivery is reported and answered 401; the
 * listener keeps waiting until one is accepted or the wait ends.
 *
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../core/error-message.js';
import { OkidWebhookError, describeReading, readingOf, verifyWebhook } from '../webhooks/signature.js';

/** Bodies beyond this are not okID's webhooks. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookListener {
  /** Where it listens, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Resolves with the matched `webhookScheme` once a delivery is accepted, or `undefined` after `waitMs`. */
  wait(waitMs: number): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function listenForWebhook(options: {
  host: string;
  port: number;
  secret: string;
  say: (line: string) => void;
}): Promise<WebhookListener> {
  const { say } = options;
  let accepted: ((scheme: string) => void) | undefined;
  const done = new Promise<string>((resolve) => (accepted = resolve));
  let matched = false;
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        say(`FAIL  webhook: refused a delivery of over ${MAX_BODY_BYTES} bytes`);
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      verifyWebhook({ body: Buffer.concat(chunks), headers: req.headers, secret: options.secret }).then(
        (event) => {
          const reading = readingOf(event);
          const data = event.data as Record<string, unknown>;
          const id = [data.verification_id, data.process_token, data.id].find((v) => typeof v === 'string') as string | undefined;
          if (reading && !matched) {
            matched = true;
            say(`ok    webhook: ${event.event}${id ? ` for ${id}` : ''}; its signature matched as ${describeReading(reading)}`);
            accepted?.(reading.scheme);
          }
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
        },
        (error: unknown) => {
          const why = error instanceof OkidWebhookError ? `${error.code}: ${error.message}` : errorMessage(error);
          say(`FAIL  webhook: refused a delivery (${why})`);
          res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"received":false}');
        },
      );
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    wait: (waitMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, waitMs, undefined)));
      return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
