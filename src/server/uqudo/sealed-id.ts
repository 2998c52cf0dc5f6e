/**
 * The id the browser gets for a uqudo session: the session's `sessionId`, `qrCodeText` and
 * creation time, sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the provider's
 * secret. The proxy keeps no table of sessions: any instance opens the id it is handed, and an id
 * that was altered, or sealed under another secret, opens to nothing (a 404, no uqudo call).
 * `uq1.` + base64url(nonce 12 | ciphertext | tag 16); a UUID `sessionId` packs into 16 bytes,
 * so a 43-character `qrCodeText` gives a 128-character id (the limit is 200).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import { VENDOR_TOKEN_PATTERN } from '../providers/vendor-text.js';

/** What a sealed id holds. */
export interface UqudoSession {
  sessionId: string;
  qrCodeText: string;
  /** When the proxy created it, in epoch seconds. */
  createdAt: number;
}

const PREFIX = 'uq1.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The sealing key, derived from `secret`. */
export const sealingKey = (secret: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'okid-verify', 'okid-verify uqudo session id v1', 32));

/** Seals a session into an id; `undefined` when it would not be a valid id (a `qrCodeText` too long). */
export function sealSession(key: Buffer, session: UqudoSession): string | undefined {
  const uuid = UUID.test(session.sessionId);
  const sessionBytes = uuid ? Buffer.from(session.sessionId.replace(/-/g, ''), 'hex') : Buffer.from(session.sessionId, 'ascii');
  const header = Buffer.alloc(6);
  header.writeUInt32BE(session.createdAt >>> 0, 0);
  header.writeUInt8(uuid ? 1 : 0, 4);
  header.writeUInt8(sessionBytes.length, 5);
  const plain = Buffer.concat([header, sessionBytes, Buffer.from(session.qrCodeText, 'ascii')]);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  const id = PREFIX + sealed.toString('base64url');
  return VERIFICATION_ID_PATTERN.test(id) ? id : undefined;
}

/** Opens an id; `undefined` for anything not sealed by this key, or altered. */
export function openSession(key: Buffer, id: string): UqudoSession | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  const sealed = Buffer.from(id.slice(PREFIX.length), 'base64url');
  // One spelling per session: the decoder ignores a last character's spare bits (and any
  // character outside base64url), so `…A` and `…B` could both open; only the canonical one does.
  if (sealed.toString('base64url') !== id.slice(PREFIX.length)) return undefined;
  if (sealed.length < 12 + 6 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    const createdAt = plain.readUInt32BE(0);
    const uuid = plain.readUInt8(4) === 1;
    const length = plain.readUInt8(5);
    const raw = plain.subarray(6, 6 + length);
    const sessionId = uuid
      ? raw.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
      : raw.toString('ascii');
    const qrCodeText = plain.subarray(6 + length).toString('ascii');
    if (!VENDOR_TOKEN_PATTERN.test(sessionId) || !VENDOR_TOKEN_PATTERN.test(qrCodeText)) return undefined;
    return { sessionId, qrCodeText, createdAt };
  } catch {
    return undefined;
  }
}
