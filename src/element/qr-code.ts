/**
 * Draws a QR code as one SVG path, in the browser, with no network: our own encoder
 * (qr-matrix.ts) gives the module matrix, and the path is drawn here.
 */
import { encodeQr } from './qr-matrix.js';

/** Modules of light margin around the symbol, as ISO/IEC 18004 asks, so phone cameras lock on. */
export const QUIET_ZONE = 4;

export interface QrPath {
  /** Width and height of the whole picture in modules, quiet zone included. */
  size: number;
  /** SVG path data of the dark modules, one subpath per horizontal run. */
  path: string;
}

/**
 * Encodes `text` with error correction M and returns the path of its dark modules. The text goes
 * in as one byte-mode segment: URLs are lower case, which alphanumeric mode cannot hold, so
 * mixing modes would rarely gain a module.
 */
export function qrPath(text: string): QrPath {
  const { size, modules: data } = encodeQr(text);
  let path = '';
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      path += `M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h${start - col}z`;
    }
  }
  return { size: size + 2 * QUIET_ZONE, path };
}
