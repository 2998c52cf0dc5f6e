// Gzip sizes of what a browser downloads, for the benchmarks (bench/run.ts); .size-limit.js takes
// the ESM desktop entry's file list from here, and size-limit (`npm run test:size`) holds the budgets.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** Gzip size in bytes at level 9, the level a CDN uses for static files. */
export const gzipSize = (file) => gzipSync(readFileSync(dist + file), { level: 9 }).length;

/** The ESM files a desktop page loads from `import 'okid-verify'`: the entry and its static imports, not lit or zod. */
export function esmDesktopFiles(entry = 'index.js', seen = new Set()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(dist + entry, 'utf8');
  for (const [, path] of source.matchAll(/^import\s[^;]*?from\s+"\.\/([^"]+)"/gm)) esmDesktopFiles(path, seen);
  return seen;
}

export function measureSizes() {
  const esmFiles = [...esmDesktopFiles()];
  const chunks = readdirSync(`${dist}capture-chunks`).filter((file) => file.endsWith('.js'));
  const face = chunks.filter((file) => file.startsWith('bundled-face-detector'));
  return {
    iifeGzip: gzipSize('okid-verify.iife.js'),
    esmDesktopGzip: esmFiles.reduce((sum, file) => sum + gzipSize(file), 0),
    esmDesktopFiles: esmFiles,
    /** What a phone on a script-tag page loads for the capture flow, the face model aside. */
    captureScriptGzip: gzipSize('okid-verify-capture.js') + chunks.filter((f) => !face.includes(f)).reduce((sum, f) => sum + gzipSize(`capture-chunks/${f}`), 0),
    faceDetectorGzip: face.reduce((sum, f) => sum + gzipSize(`capture-chunks/${f}`), 0),
  };
}
