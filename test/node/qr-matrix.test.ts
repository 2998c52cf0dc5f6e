// The element's QR encoder (src/element/qr-matrix.ts) against the `qrcode` package, which the
// sandbox uses for okID's PNG route: for every version 1–40 and every mask, the same modules;
// and an off-the-shelf reader (jsQR) decodes what the element would draw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import QRCode from 'qrcode';
import type { QRCodeMaskPattern } from 'qrcode';
import jsQR from 'jsqr';
import { encodeQr } from '../../src/element/qr-matrix.js';
// @ts-expect-error: internal modules of the reference package, untyped
import refVersion from 'qrcode/lib/core/version.js';
// @ts-expect-error: as above
import refLevel from 'qrcode/lib/core/error-correction-level.js';
// @ts-expect-error: as above
import refMode from 'qrcode/lib/core/mode.js';

/** Byte capacity at level M, by version, from the reference encoder's own tables. */
const capacity = (version: number): number => refVersion.getCapacity(version, refLevel.M, refMode.BYTE) as number;

/** A URL-like text of exactly `length` UTF-8 bytes, some of them multi-byte. */
function textOf(length: number, seed: number): string {
  let text = 'https://verify.example/verify?verification_id=ver_';
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_é';
  let x = seed;
  while (new TextEncoder().encode(text).length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    text += alphabet[x % alphabet.length];
  }
  while (new TextEncoder().encode(text).length > length) text = text.slice(0, -1);
  // Dropping a two-byte "é" may leave one byte short.
  while (new TextEncoder().encode(text).length < length) text += 'a';
  return text;
}

const reference = (text: string, maskPattern?: number) =>
  QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { errorCorrectionLevel: 'M', ...(maskPattern === undefined ? {} : { maskPattern: maskPattern as QRCodeMaskPattern }) });

/** Draws modules into RGBA pixels (4 px per module, quiet zone 4) for jsQR. */
function decode(size: number, modules: Uint8Array): string | undefined {
  const scale = 4;
  const width = (size + 8) * scale;
  const pixels = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!modules[row * size + col]) continue;
      for (let y = 0; y < scale; y++) {
        for (let x = 0; x < scale; x++) {
          const at = (((row + 4) * scale + y) * width + (col + 4) * scale + x) * 4;
          pixels[at] = pixels[at + 1] = pixels[at + 2] = 0;
        }
      }
    }
  }
  return jsQR(pixels, width, width)?.data;
}

describe('encodeQr', () => {
  it('picks the smallest version, like the reference, at both ends of every version', () => {
    for (let version = 1; version <= 40; version++) {
      for (const length of [capacity(version), version === 1 ? 1 : capacity(version - 1) + 1]) {
        const text = textOf(length, version);
        assert.equal(encodeQr(text).version, reference(text).version, `${length} bytes`);
        assert.equal(encodeQr(text).version, version, `${length} bytes`);
      }
    }
  });

  it('draws the same modules as the reference for every version and every mask', () => {
    for (let version = 1; version <= 40; version++) {
      const text = textOf(capacity(version) - (version % 3), version * 7);
      for (let mask = 0; mask < 8; mask++) {
        const ours = encodeQr(text, mask);
        const theirs = reference(text, mask).modules;
        assert.equal(ours.size, theirs.size);
        assert.deepEqual([...ours.modules], [...theirs.data].map((m: number) => (m ? 1 : 0)), `version ${version} mask ${mask}`);
      }
    }
  });

  it('mostly chooses the mask the reference chooses (penalties are counted alike)', () => {
    let same = 0;
    for (let version = 1; version <= 40; version++) {
      const text = textOf(capacity(version) - 2, version * 13);
      if (encodeQr(text).mask === reference(text).maskPattern) same++;
    }
    assert.ok(same >= 30, `${same} of 40 the same`);
  });

  it('is read back by jsQR, across sizes', () => {
    for (const length of [1, 20, 60, 120, 300, 700, 1200]) {
      const text = textOf(length, length);
      const { size, modules } = encodeQr(text);
      assert.equal(decode(size, modules), text, `${length} bytes`);
    }
  });

  it('refuses a text no version holds', () => {
    assert.throws(() => encodeQr('x'.repeat(capacity(40) + 1)), RangeError);
  });
});
