// Builds the package: the ESM entries (element, protocol, server, sandbox) with lit, zod and
// Node's modules left to the consumer, the self-contained IIFE for <script> tags, and the
// type declarations. Run by `npm run build`.
import { cp, mkdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
await rm(dist, { recursive: true, force: true });

/** Packages a consumer installs once and shares: never copied into our ESM output. */
const external = (id) =>
  /^node:/.test(id) ||
  /^(lit|lit-html|lit-element|@lit\/reactive-element|zod)(\/|$)/.test(id) ||
  id === 'qrcode' || // the Node entry (PNG rendering) used by the sandbox; browsers take only its core
  id === 'selfsigned'; // the sandbox's LAN certificate, a dependency loaded only when HTTPS is wanted

/**
 * Minifies the CSS inside the element's css`…` templates, which a JS minifier leaves alone:
 * comments go, whitespace folds, and spaces around braces, semicolons and commas go. The CSS
 * has no interpolations, so this is plain text work.
 */
const minifyElementCss = {
  name: 'minify-element-css',
  transform(code, id) {
    if (!/src\/element\/styles\.ts$/.test(id)) return undefined;
    return code.replace(/css`([^`]*)`/g, (_, text) => {
      const css = text
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\s+/g, ' ')
        .replace(/\s*([{};,])\s*/g, '$1')
        .replace(/:\s+/g, ':')
        .replace(/;}/g, '}')
        .trim();
      return `css\`${css}\``;
    });
  },
};

/**
 * qrcode's segment optimizer needs a graph library (dijkstrajs, ~0.8 KB gzip); qr-code.ts hands
 * the encoder ready-made segments, so browser bundles get an empty stand-in that throws if used.
 */
const noSegmentOptimizer = {
  name: 'no-qr-segment-optimizer',
  enforce: 'pre',
  resolveId: (id, importer) => (id === 'dijkstrajs' && importer?.includes('/qrcode/lib/core/') ? '\0no-dijkstra' : undefined),
  load: (id) =>
    id === '\0no-dijkstra' ? "export default { find_path() { throw new Error('okid-verify: QR segments are built by qr-code.ts'); } };" : undefined,
};

/**
 * TensorFlow.js inside face-api carries long.js, which probes for WebAssembly by compiling a tiny
 * module as soon as it loads; it falls back to JavaScript when that fails. Under a strict CSP
 * (no 'wasm-unsafe-eval') the probe is reported as a violation on every operator page, so the
 * build skips it and long.js takes its JavaScript path from the start.
 */
const noWasmProbe = {
  name: 'no-wasm-probe',
  transform(code, id) {
    if (!id.includes('/@vladmandic/face-api/')) return undefined;
    const probe = /try\{(\w+)=new WebAssembly\.Instance\(new WebAssembly\.Module\(new Uint8Array\(\[[0-9,]+\]\)\),\{\}\)\.exports\}/;
    if (!probe.test(code)) throw new Error('no-wasm-probe: the long.js probe in face-api changed; review this plugin');
    return code.replace(probe, 'try{$1=null}');
  },
};

const quiet = { logLevel: 'warn', configFile: false, root, plugins: [minifyElementCss, noSegmentOptimizer, noWasmProbe] };

// ESM: one file per public entry, shared code in chunks, the capture flow in its own chunk.
await build({
  ...quiet,
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      entry: {
        index: 'src/index.ts',
        protocol: 'src/protocol.ts',
        server: 'src/server/index.ts',
        sandbox: 'src/sandbox/index.ts',
        'sandbox-cli': 'src/sandbox/cli.ts',
      },
      formats: ['es'],
    },
    rollupOptions: { external },
  },
});

// IIFE: the element in one file for <script src>, minified. An IIFE cannot split, so the
// capture flow is left out (__OKID_IIFE__ removes its import()) and loaded from beside it.
await build({
  ...quiet,
  define: { __OKID_IIFE__: 'true' },
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: 'src/iife.ts',
      formats: ['iife'],
      name: 'OkidVerify',
      fileName: () => 'okid-verify.iife.js',
    },
    // A page that includes the script twice runs it once: a second Lit would try to create a
    // second 'lit-html' Trusted Types policy, which a strict policy refuses with an error.
    rollupOptions: { output: { banner: 'if(!globalThis.OkidVerify){', footer: '}' } },
  },
});

/**
 * The capture flow for script-tag pages: an ES module (so the face detector can stay a chunk of
 * its own) whose `lit` is the IIFE's, read from `OkidVerify.__lit`, so both render with one Lit.
 */
const litFromIife = {
  name: 'lit-from-iife',
  // Before Vite's own resolver, which would otherwise bundle a second Lit (and a second
  // 'lit-html' Trusted Types policy, which a page that enforces them refuses).
  enforce: 'pre',
  resolveId: (id) => (id === 'lit' ? '\0lit-from-iife' : undefined),
  load: (id) =>
    id === '\0lit-from-iife' ? 'export const { html, nothing, css } = globalThis.OkidVerify.__lit;' : undefined,
};
await build({
  ...quiet,
  plugins: [...quiet.plugins, litFromIife],
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: {
        'okid-verify-capture': 'src/capture/capture-flow.ts',
        // Translations for script-tag pages, imported from locales/ beside the bundle on demand.
        ...Object.fromEntries(['nl', 'fr', 'de', 'es', 'ar'].map((locale) => [`locales/${locale}`, `src/i18n/${locale}.ts`])),
      },
      formats: ['es'],
    },
    rollupOptions: { output: { chunkFileNames: 'capture-chunks/[name]-[hash].js' } },
  },
});

// The bundled face detector's weights (tiny face detector + tiny 68-point landmarks, 270 KB),
// loaded by the capture chunk from ./models/ beside it, never from a network hub; and the
// licences of what the detector chunk bundles (face-api: MIT; TensorFlow.js inside it: Apache-2.0).
const faceApi = `${root}node_modules/@vladmandic/face-api/`;
await mkdir(`${dist}/models`, { recursive: true });
for (const file of [
  'tiny_face_detector_model-weights_manifest.json',
  'tiny_face_detector_model.bin',
  'face_landmark_68_tiny_model-weights_manifest.json',
  'face_landmark_68_tiny_model.bin',
]) {
  await cp(`${faceApi}model/${file}`, `${dist}/models/${file}`);
}
await cp(`${faceApi}LICENSE`, `${dist}/models/LICENSE.face-api.txt`);

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });

// dist/custom-elements.json (package.json's `customElements`), from the element's source and JSDoc;
// custom-elements-manifest.config.mjs says how.
execFileSync(
  process.execPath,
  [`${root}node_modules/@custom-elements-manifest/analyzer/cem.js`, 'analyze', '--config', 'custom-elements-manifest.config.mjs'],
  { cwd: root, stdio: 'inherit' },
);
console.log('built dist/');
