/**
 * okID webhook signatures: `X-okID-Timestamp` is Unix seconds, `X-okID-Signature` the lowercase
 * hex HMAC-SHA256 of `{timestamp}.{raw body}`.
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-okID-Timestamp';
export const SIGNATURE_HEADER = 'X-okID-Signature';

export interface SignWebhookOptions {
  /** The exact bytes that will be sent: a string (UTF-8) or bytes. */
  body: string | Uint8Array;
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** Computes the two headers okID sends with a webhook delivery, for tests and the sandbox. */
export function signWebhook({ body, secret, timestamp }: SignWebhookOptions): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signature } as Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string>;
}
