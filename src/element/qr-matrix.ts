/**
 * A QR code encoder for what the element draws: one byte-mode segment (UTF-8) at error
 * correction level M, versions 1 to 40, as ISO/IEC 18004 describes. Written for size: the
 * `qrcode` package's core, which the element used before, cost ~5.7 KB gzip in the script-tag
 * bundle for modes and options the element never uses. test/node/qr-matrix.test.ts checks every
 * version against that package, module for module, and a reader decodes the result.
 */

/** Error correction codewords per block at level M, by version (index 0 is version 1). */
const EC_PER_BLOCK = [
  10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
/** Error correction blocks at level M, by version. */
const BLOCKS = [
  1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37,
  38, 40, 43, 45, 47, 49,
];

/** A symbol: `size` × `size` modules, row by row, 1 = dark. */
export interface QrMatrix {
  size: number;
  modules: Uint8Array;
  /** The version (1–40) and mask (0–7) chosen, for tests. */
  version: number;
  mask: number;
}

/** Rows and columns of the alignment patterns' centres: evenly spaced from 6 to size − 7. */
function alignmentCentres(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = version * 4 + 10;
  // The spacing is even; version 32 is the one exception the standard's table makes.
  const step = version === 32 ? 26 : Math.ceil((last - 6) / (count - 1) / 2) * 2;
  const centres = [6];
  for (let at = last - step * (count - 2); at <= last; at += step) centres.push(at);
  return centres;
}

/** Codewords a symbol of `version` holds (data and error correction). */
function totalCodewords(version: number): number {
  let modules = (16 * version + 128) * version + 64;
  if (version > 1) {
    const count = Math.floor(version / 7) + 2;
    modules -= (25 * count - 10) * count - 55;
    if (version > 6) modules -= 36;
  }
  return modules >> 3;
}

/** Multiplication in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1. */
function gfMultiply(a: number, b: number): number {
  let product = 0;
  for (let bit = 7; bit >= 0; bit--) {
    product = ((product << 1) ^ ((product >> 7) * 0x11d)) & 0xff;
    if ((b >> bit) & 1) product ^= a;
  }
  return product;
}

/** The Reed–Solomon remainder (`degree` error correction codewords) of `data`. */
function reedSolomon(data: Uint8Array, degree: number): Uint8Array {
  // Generator polynomial ∏ (x − 2^i), i < degree, highest coefficient (always 1) left out.
  const generator = new Uint8Array(degree);
  generator[degree - 1] = 1;
  for (let i = 0, root = 1; i < degree; i++, root = gfMultiply(root, 2)) {
    for (let j = 0; j < degree; j++) {
      generator[j] = gfMultiply(generator[j]!, root) ^ (generator[j + 1] ?? 0);
    }
  }
  const remainder = new Uint8Array(degree);
  for (const byte of data) {
    const factor = byte ^ remainder[0]!;
    remainder.copyWithin(0, 1);
    remainder[degree - 1] = 0;
    for (let j = 0; j < degree; j++) remainder[j]! ^= gfMultiply(generator[j]!, factor);
  }
  return remainder;
}

/** The 15 format bits of level M and `mask`, BCH-protected and masked as the standard says. */
function formatBits(mask: number): number {
  let remainder = mask; // level M's two bits are 00
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537);
  return ((mask << 10) | remainder) ^ 0x5412;
}

/** The 18 version bits (versions 7 and up). */
function versionBits(version: number): number {
  let remainder = version;
  for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1f25);
  return (version << 12) | remainder;
}

/** Whether mask `mask` inverts the module at (`row`, `col`). */
function masked(mask: number, row: number, col: number): boolean {
  switch (mask) {
    case 0: return (row + col) % 2 === 0;
    case 1: return row % 2 === 0;
    case 2: return col % 3 === 0;
    case 3: return (row + col) % 3 === 0;
    case 4: return (Math.floor(row / 2) + Math.floor(col / 3)) % 2 === 0;
    case 5: return ((row * col) % 2) + ((row * col) % 3) === 0;
    case 6: return (((row * col) % 2) + ((row * col) % 3)) % 2 === 0;
    default: return (((row + col) % 2) + ((row * col) % 3)) % 2 === 0;
  }
}

/** The data codewords: mode, length, bytes, terminator and padding, then interleaved with their error correction. */
function codewords(bytes: Uint8Array, version: number): Uint8Array {
  const total = totalCodewords(version);
  const blocks = BLOCKS[version - 1]!;
  const ecLength = EC_PER_BLOCK[version - 1]!;
  const dataLength = total - blocks * ecLength;
  const data = new Uint8Array(dataLength);
  let bitLength = 0;
  const put = (value: number, bits: number): void => {
    for (let bit = bits - 1; bit >= 0; bit--, bitLength++) data[bitLength >> 3]! |= ((value >> bit) & 1) << (7 - (bitLength & 7));
  };
  put(0b0100, 4);
  put(bytes.length, version < 10 ? 8 : 16);
  for (const byte of bytes) put(byte, 8);
  // Up to four terminator zeros and the rest of the byte are zeros already; then the pad bytes.
  for (let i = (bitLength + 4 + 7) >> 3, pad = 0xec; i < dataLength; i++, pad ^= 0xec ^ 0x11) data[i] = pad;

  // Blocks: the short ones first, the long ones one data codeword longer.
  const shortLength = Math.floor(dataLength / blocks);
  const longBlocks = dataLength % blocks;
  const split: Array<{ data: Uint8Array; ec: Uint8Array }> = [];
  for (let b = 0, at = 0; b < blocks; b++) {
    const length = shortLength + (b >= blocks - longBlocks ? 1 : 0);
    const block = data.subarray(at, (at += length));
    split.push({ data: block, ec: reedSolomon(block, ecLength) });
  }
  const out = new Uint8Array(total);
  let i = 0;
  for (let column = 0; column <= shortLength; column++) for (const block of split) if (column < block.data.length) out[i++] = block.data[column]!;
  for (let column = 0; column < ecLength; column++) for (const block of split) out[i++] = block.ec[column]!;
  return out;
}

/** The penalty score of a masked symbol (ISO/IEC 18004 §7.8.3): the mask with the lowest wins. */
function penalty(modules: Uint8Array, size: number): number {
  let score = 0;
  let dark = 0;
  const at = (row: number, col: number): number => modules[row * size + col]!;
  for (let a = 0; a < size; a++) {
    // Runs of five or more in a row and in a column; finder-like 1:1:3:1:1 patterns beside four light modules.
    for (const line of [(i: number) => at(a, i), (i: number) => at(i, a)]) {
      let run = 0;
      let window = 0;
      for (let i = 0; i < size; i++) {
        const module = line(i);
        run = i > 0 && module === line(i - 1) ? run + 1 : 1;
        if (run === 5) score += 3;
        else if (run > 5) score++;
        window = ((window << 1) | module) & 0x7ff;
        if (i >= 10 && (window === 0b10111010000 || window === 0b00001011101)) score += 40;
      }
    }
    for (let b = 0; b < size; b++) {
      dark += at(a, b);
      // 2 × 2 blocks of one colour.
      if (a > 0 && b > 0) {
        const sum = at(a, b) + at(a - 1, b) + at(a, b - 1) + at(a - 1, b - 1);
        if (sum === 0 || sum === 4) score += 3;
      }
    }
  }
  // Ten points for every full 5 % that dark modules stray from half.
  return score + Math.floor(Math.abs((dark * 100) / (size * size) - 50) / 5) * 10;
}

/**
 * Encodes `text` (as UTF-8) at level M in the smallest version that holds it, with the mask of
 * lowest penalty, or with `mask` when given (tests compare every mask with a reference).
 */
export function encodeQr(text: string, mask?: number): QrMatrix {
  const bytes = new TextEncoder().encode(text);
  let version = 1;
  while (4 + (version < 10 ? 8 : 16) + bytes.length * 8 > (totalCodewords(version) - BLOCKS[version - 1]! * EC_PER_BLOCK[version - 1]!) * 8) {
    if (++version > 40) throw new RangeError('okid-verify: too much text for a QR code');
  }
  const size = version * 4 + 17;
  const modules = new Uint8Array(size * size);
  const fixed = new Uint8Array(size * size);
  const set = (row: number, col: number, isDark: boolean | number): void => {
    modules[row * size + col] = isDark ? 1 : 0;
    fixed[row * size + col] = 1;
  };

  // Timing patterns, then finders with their separators, alignment patterns, the dark module.
  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [top, left] of [[0, 0], [0, size - 7], [size - 7, 0]] as const) {
    for (let r = -1; r <= 7; r++) {
      for (let c = -1; c <= 7; c++) {
        const row = top + r;
        const col = left + c;
        if (row < 0 || row >= size || col < 0 || col >= size) continue;
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        set(row, col, ring !== 2 && ring !== 4);
      }
    }
  }
  const centres = alignmentCentres(version);
  const last = centres.length - 1;
  for (const [i, row] of centres.entries()) {
    for (const [j, col] of centres.entries()) {
      if ((i === 0 && (j === 0 || j === last)) || (j === 0 && i === last)) continue; // the finders' corners
      for (let r = -2; r <= 2; r++) for (let c = -2; c <= 2; c++) set(row + r, col + c, Math.max(Math.abs(r), Math.abs(c)) !== 1);
    }
  }
  // Format areas reserved now (drawn per mask below); version information is fixed.
  const drawFormat = (mask: number): void => {
    const bits = formatBits(mask);
    for (let i = 0; i < 15; i++) {
      const bit = (bits >> i) & 1;
      // Beside the top-left finder: down column 8 (skipping the timing row), then left along row 8.
      if (i < 6) set(i, 8, bit);
      else if (i < 8) set(i + 1, 8, bit);
      else if (i === 8) set(8, 7, bit);
      else set(8, 14 - i, bit);
      // The copy: along row 8 from the right edge, then up column 8 from the bottom edge.
      if (i < 8) set(8, size - 1 - i, bit);
      else set(size - 15 + i, 8, bit);
    }
    set(size - 8, 8, 1);
  };
  drawFormat(0);
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const bit = (bits >> i) & 1;
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      set(b, a, bit);
      set(a, b, bit);
    }
  }

  // Data: two columns at a time from the right, upwards then downwards, skipping the timing column.
  const data = codewords(bytes, version);
  let bit = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upwards = ((right + 1) & 2) === 0;
    for (let v = 0; v < size; v++) {
      const row = upwards ? size - 1 - v : v;
      for (const col of [right, right - 1]) {
        if (fixed[row * size + col]) continue;
        modules[row * size + col] = bit < data.length * 8 ? (data[bit >> 3]! >> (7 - (bit & 7))) & 1 : 0;
        bit++;
      }
    }
  }

  const applyMask = (mask: number): void => {
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) if (!fixed[row * size + col] && masked(mask, row, col)) modules[row * size + col]! ^= 1;
    }
  };
  let best = mask ?? 0;
  let bestScore = Infinity;
  for (let candidate = 0; candidate < 8 && mask === undefined; candidate++) {
    applyMask(candidate);
    drawFormat(candidate);
    const score = penalty(modules, size);
    if (score < bestScore) [best, bestScore] = [candidate, score];
    applyMask(candidate); // masking twice restores the data
  }
  applyMask(best);
  drawFormat(best);
  return { size, modules, version, mask: best };
}
