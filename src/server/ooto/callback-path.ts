/**
 * OOTO-AI's callback carries no signature (its document: "If you need retries/signature,
 * implement them on your side"), and its body, the Get Status JSON, names no session. So the
 * proxy puts both in the callback's path: `{publicUrl}{basePath}/webhooks/ooto/{nonce}/{mac}`, a
 * random nonce per session and its HMAC-SHA256 under a key derived from the provider's secret.
 * A POST whose MAC does not verify is refused (401) before anything is read; one that verifies is
 * news: the session the nonce stands for is re-read with the keys, never taken from the body.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Label of the HKDF that turns the provider's secret into the MAC key. */
const MAC_INFO = 'okid-verify ooto callback path v1';

/** The MAC key of callback paths, derived from `secret`. */
export const callbackKey = (secret: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'okid-verify', MAC_INFO, 32));

const macOf = (key: Buffer, nonce: string): string => createHmac('sha256', key).update(nonce).digest('base64url');

/** A fresh callback path's two segments. */
export function newCallbackSegments(key: Buffer): { nonce: string; mac: string } {
  const nonce = randomBytes(18).toString('base64url');
  return { nonce, mac: macOf(key, nonce) };
}

/** True when `mac` is the MAC of `nonce` (both raw path segments), compared in constant time. */
export function verifyCallbackSegments(key: Buffer, nonce: string, mac: string): boolean {
  if (!/^[A-Za-z0-9_-]{24}$/.test(nonce) || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return false;
  const expected = Buffer.from(macOf(key, nonce));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
