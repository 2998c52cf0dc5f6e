// The package's build: `vite build` (and `npm run build`, which runs it) writes all of dist/.
// Three builds, each a Vite environment, run in order by `builder.buildApp`:
//   esm      the ESM entries (element, protocol, server, sandbox), lit, zod and Node's modules left
//            to the consumer, unminified so an app's bundler tree-shakes and minifies them;
//   iife     the element in one minified file for <script src>;
//   capture  the capture flow and the translations for script-tag pages, minified like the IIFE;
//   faceWorker the face worker (the bundled face detector off the main thread), models/face-worker.js;
// then the face detector's weights are copied beside them, tsc writes dist/types and the
// custom-elements manifest analyzer writes dist/custom-elements.json. `vite build --outDir x`
// writes all of it to x instead (test/node/build.test.ts builds that way, leaving dist/ alone).
import { execFileSync } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MagicString from 'magic-string';
import { defineConfig, type Plugin } from 'vite';
import { LOCALES as ALL_LOCALES } from './src/i18n/locale.js';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The languages besides English (the element's own list), each a chunk loaded on demand. */
const LOCALES = ALL_LOCALES.filter((locale) => locale !== 'en');

/** Packages a consumer installs once and shares: never copied into our ESM output. */
const external = (id: string): boolean =>
  /^node:/.test(id) ||
  /^(lit|lit-html|lit-element|@lit\/reactive-element|zod)(\/|$)/.test(id) ||
  id === 'qrcode' || // the sandbox's PNG QR codes; browsers draw theirs with src/element/qr-matrix.ts
  id === 'selfsigned' || // the sandbox's LAN certificate, a dependency loaded only when HTTPS is wanted
  id === 'ws'; // the uqudo WebSocket (sandbox server, proxy client): bundled, its "browser" entry replaced the Node one

/**
 * Minifies the CSS inside the element's and the capture flow's css`…` templates, which a JS
 * minifier leaves alone (they are strings): comments go, whitespace folds, and spaces around
 * braces, semicolons and commas go, and `0.5rem` is written `.5rem`. The CSS has no interpolations, so this is plain text work.
 * Each template is overwritten in place, so the source map still points everything else at its line.
 */
const minifyElementCss: Plugin = {
  name: 'minify-element-css',
  transform(code, id) {
    if (!/src\/(element\/styles|capture\/capture-styles)\.ts$/.test(id)) return undefined;
    const out = new MagicString(code);
    for (const match of code.matchAll(/css`([^`]*)`/g)) {
      if (match[1]?.includes('${')) throw new Error(`minify-element-css: ${id} interpolates into css\`…\`; review this plugin`);
      const css = (match[1] ?? '')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\s+/g, ' ')
        .replace(/\s*([{};,])\s*/g, '$1')
        .replace(/:\s+/g, ':')
        .replace(/([\s:(,-])0\.(\d)/g, '$1.$2')
        .replace(/;}/g, '}')
        .trim();
      out.overwrite(match.index, match.index + match[0].length, `css\`${css}\``);
    }
    return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) };
  },
};

/**
 * The views' html`…` templates keep their source's line breaks and indentation, which a minifier
 * leaves alone (they are strings). HTML folds a run of whitespace into one space, so
 * a line break and the indentation after it, before the next tag, expression or attribute, is
 * written as one space: the same page, ~100 B less gzip. Only the view code of the
 * element and of the capture flow is rewritten, where nothing renders in a `white-space: pre` box.
 */
const foldTemplateIndent: Plugin = {
  name: 'fold-template-indent',
  transform(code, id) {
    if (!/src\/(element|capture)\/(?!face\/).*\.ts$/.test(id)) return undefined;
    const out = new MagicString(code);
    // After a tag's end, an expression's end, a quote or a name: the next tag, expression or
    // attribute (`name=` without spaces, which formatted TypeScript never writes).
    for (const match of code.matchAll(/([>}"\w])\n[ \t]+(?=<|\$\{|[a-z@.?][\w-]*=(?![=>]))/g)) out.overwrite(match.index + 1, match.index + match[0].length, ' ');
    return out.hasChanged() ? { code: out.toString(), map: out.generateMap({ hires: true, source: id }) } : undefined;
  },
};

/**
 * TensorFlow.js inside face-api carries long.js, which probes for WebAssembly by compiling a tiny
 * module as soon as it loads; it falls back to JavaScript when that fails. Under a strict CSP
 * (no 'wasm-unsafe-eval') the probe is reported as a violation on every operator page, so the
 * build skips it and long.js takes its JavaScript path from the start.
 */
const noWasmProbe: Plugin = {
  name: 'no-wasm-probe',
  transform(code, id) {
    if (!id.includes('/@vladmandic/face-api/')) return undefined;
    const probe = /try\{(\w+)=new WebAssembly\.Instance\(new WebAssembly\.Module\(new Uint8Array\(\[[0-9,]+\]\)\),\{\}\)\.exports\}/;
    const match = probe.exec(code);
    if (!match) throw new Error('no-wasm-probe: the long.js probe in face-api changed; review this plugin');
    const out = new MagicString(code);
    out.overwrite(match.index, match.index + match[0].length, `try{${match[1]}=null}`);
    return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) };
  },
};

/**
 * The capture flow for script-tag pages: an ES module (so the face detector can stay a chunk of
 * its own) whose `lit` is the IIFE's, read from `OkidVerify.__shared`, so both render with one Lit.
 * Before Vite's own resolver, which would otherwise bundle a second Lit (and a second 'lit-html'
 * Trusted Types policy, which a page that enforces them refuses).
 */
const litFromIife: Plugin = {
  name: 'lit-from-iife',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === 'capture',
  resolveId(id) {
    if (id === 'lit') return '\0lit-from-iife';
    // A directive (or any other Lit module) would bring a second lit-html, whose Trusted Types
    // policy a strict page refuses: the capture chunk then fails to load on script-tag pages.
    if (/^(lit|lit-html|lit-element|@lit\/reactive-element)\//.test(id)) {
      this.error(`lit-from-iife: ${id} would bundle a second Lit into the script-tag capture chunk; use html, nothing and css from 'lit' only (or share it through src/iife.ts).`);
    }
    return undefined;
  },
  // The IIFE's Lit functions come with the other shared modules (SHARED_WITH_CAPTURE below).
  load: (id) => (id === '\0lit-from-iife' ? sharedModule('lit') : undefined),
};

/**
 * Modules both script-tag files need, each name in one file only: the IIFE hands them to the
 * capture chunk in `OkidVerify.__shared` (an array, so no property name travels), and the capture
 * chunk reads them from there instead of bundling a second copy (~1 KB gzip less on a phone).
 * A name the capture chunk imports from one of these modules but missing here fails its build.
 */
const SHARED_WITH_CAPTURE: Record<string, string[]> = {
  lit: ['html', 'nothing', 'css'],
  'src/core/status.ts': ['ErrorCode', 'isFinalStatus'],
  'src/core/backoff.ts': ['fullJitterDelay', 'parseRetryAfter'],
  'src/core/ticker.ts': ['onSecond'],
  'src/core/wire-checks.ts': ['checkWire', 'proxyErrorBody', 'statusSnapshot', 'array', 'matching', 'object', 'oneOf', 'optional', 'outcome', 'progress', 'status', 'string', 'test', 'verificationId', 'isRecord', 'parseJson'],
  'src/core/verification-id.ts': ['httpUrl'],
  'src/i18n/types.ts': ['mergeStrings'],
};
const sharedNames = Object.entries(SHARED_WITH_CAPTURE).flatMap(([file, names]) => names.map((name) => ({ file, name })));

/** The capture build's stand-in for a shared module: its names, read from the IIFE's array. */
const sharedModule = (file: string): string => {
  const names = sharedNames.map(({ file: from, name }, index) => (from === file ? `${name} = s[${index}]` : '')).filter(Boolean);
  return `import { s } from '\0shared:';\nexport const ${names.join(', ')};`;
};

const shareWithCapture: Plugin = {
  name: 'share-with-capture',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === 'iife' || environment.name === 'capture',
  async resolveId(id, importer) {
    if (id === '\0shared:') return id;
    if (this.environment.name !== 'capture' || !importer || !id.startsWith('.') || importer.startsWith('\0')) return undefined;
    const resolved = await this.resolve(id, importer, { skipSelf: true });
    const file = resolved && relative(root, resolved.id);
    return file && file in SHARED_WITH_CAPTURE ? `\0shared:${file}` : undefined;
  },
  load(id) {
    if (!id.startsWith('\0shared:')) return undefined;
    const file = id.slice('\0shared:'.length);
    return file === '' ? 'export const s = globalThis.OkidVerify.__shared;' : sharedModule(file);
  },
  transform(code, id) {
    if (this.environment.name !== 'iife' || relative(root, id) !== 'src/iife.ts') return undefined;
    const imports = Object.entries(SHARED_WITH_CAPTURE).map(
      ([file, names]) => `import { ${names.map((name) => `${name} as ${name}$shared`).join(', ')} } from '${file === 'lit' ? 'lit' : `./${relative('src', file).replace(/\.ts$/, '.js')}`}';`,
    );
    const list = sharedNames.map(({ name }) => `${name}$shared`).join(', ');
    const out = new MagicString(code).append(`\n${imports.join('\n')}\n/** @internal */\nexport const __shared = [${list}];\n`);
    return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) };
  },
};

/**
 * The face geometry helpers (~570 B) are used by the capture chunk and by the bundled face
 * detector it may load later. Shared, they became a third file the phone fetched after the
 * capture chunk before its first screen (a request more, ~150 B more gzip than inline); the
 * detector chunk gets a copy of its own instead (`?detector`, the same source), so the capture
 * chunk holds them inline.
 */
const faceGeometryCopy: Plugin = {
  name: 'face-geometry-copy',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === 'capture',
  async resolveId(id, importer) {
    if (id !== './face-geometry.js' || !importer?.endsWith('/src/capture/face/bundled-face-detector.ts')) return undefined;
    const resolved = await this.resolve(id, importer, { skipSelf: true });
    return resolved && `${resolved.id}?detector`;
  },
};

/**
 * The script-tag builds (the IIFE and the capture flow beside it) see src/i18n/script-tag-build.ts
 * as `true`: the constant is inlined into each `SCRIPT_TAG_BUILD ? … : …`, so the IIFE keeps only
 * the import from beside itself and never pulls the capture flow or a translation into its file.
 */
const scriptTagBuild: Plugin = {
  name: 'script-tag-build',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === 'iife' || environment.name === 'capture',
  // The IIFE cannot split: a chunk's import() there is a branch the constant drops. Left out of
  // the module graph, the chunk is not read into the one file before that branch is dropped.
  resolveId(id, _importer, options) {
    const kind = (options as { kind?: string } | undefined)?.kind;
    return this.environment.name === 'iife' && kind === 'dynamic-import' ? { id, external: true } : undefined;
  },
  load: (id) => (id.endsWith('/src/i18n/script-tag-build.ts') ? 'export const SCRIPT_TAG_BUILD = true;' : undefined),
};

/**
 * The bundled face detector's weights (tiny face detector + tiny 68-point landmarks, 270 KB),
 * loaded by the capture chunk from ./models/ beside it, never from a network hub; and the licence
 * of what the detector chunk bundles (face-api: MIT; TensorFlow.js inside it: Apache-2.0).
 */
async function copyFaceModels(outDir: string): Promise<void> {
  const faceApi = `${root}node_modules/@vladmandic/face-api/`;
  await mkdir(`${outDir}/models`, { recursive: true });
  for (const file of [
    'tiny_face_detector_model-weights_manifest.json',
    'tiny_face_detector_model.bin',
    'face_landmark_68_tiny_model-weights_manifest.json',
    'face_landmark_68_tiny_model.bin',
  ]) {
    await cp(`${faceApi}model/${file}`, `${outDir}/models/${file}`);
  }
  await cp(`${faceApi}LICENSE`, `${outDir}/models/LICENSE.face-api.txt`);
}

/** Runs a package's Node script from node_modules, its output shown as part of the build's. */
const runTool = (script: string, args: string[]): void => {
  execFileSync(process.execPath, [`${root}node_modules/${script}`, ...args], { cwd: root, stdio: 'inherit' });
};

export default defineConfig({
  root,
  // dist/ is the build's output, not a folder of static files to copy into it.
  publicDir: false,
  plugins: [minifyElementCss, noWasmProbe, litFromIife, shareWithCapture, faceGeometryCopy, scriptTagBuild, foldTemplateIndent],
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    // size-limit (.size-limit.js) measures what a browser downloads (gzip level 9) and holds
    // the budgets, so Vite's own gzip pass over 1.6 MB of face detector is skipped.
    reportCompressedSize: false,
  },
  environments: {
    // ESM: one file per public entry, shared code in chunks, the capture flow in its own chunk.
    esm: {
      consumer: 'client',
      build: {
        emptyOutDir: true,
        minify: false,
        lib: {
          entry: {
            index: 'src/index.ts',
            protocol: 'src/protocol.ts',
            server: 'src/server/index.ts',
            sandbox: 'src/sandbox/index.ts',
            'sandbox-cli': 'src/sandbox/cli.ts',
            // `okid-verify check` (bin/okid-verify.js), the live check for going live.
            'check-cli': 'src/server/check/cli.ts',
          },
          formats: ['es'],
        },
        rolldownOptions: { external },
      },
    },
    // IIFE: the element in one file for <script src>, minified. An IIFE cannot split, so the
    // capture flow is left out (see scriptTagBuild) and loaded from beside it.
    iife: {
      consumer: 'client',
      build: {
        emptyOutDir: false,
        minify: true,
        lib: {
          entry: 'src/iife.ts',
          formats: ['iife'],
          name: 'OkidVerify',
          fileName: () => 'okid-verify.iife.js',
        },
        // A page that includes the script twice runs it once: a second Lit would try to create a
        // second 'lit-html' Trusted Types policy, which a strict policy refuses with an error.
        // No Symbol.toStringTag on the `OkidVerify` global: it is not a module namespace to anyone.
        rolldownOptions: { output: { banner: 'if(!globalThis.OkidVerify){', footer: '}', generatedCode: { symbols: false } } },
      },
    },
    // The capture flow and translations for script-tag pages (see litFromIife), imported from
    // beside the IIFE on demand.
    capture: {
      consumer: 'client',
      build: {
        emptyOutDir: false,
        minify: true,
        // The face detector (TensorFlow.js inside) is about 1.2 MB minified, 350 KB gzip, loaded
        // only when a phone opens the camera; the capture chunk itself has a budget in .size-limit.js.
        chunkSizeWarningLimit: 1400,
        lib: {
          entry: {
            'okid-verify-capture': 'src/capture/capture-flow.ts',
            ...Object.fromEntries(LOCALES.map((locale) => [`locales/${locale}`, `src/i18n/${locale}.ts`])),
          },
          formats: ['es'],
        },
        rolldownOptions: {
          output: {
            chunkFileNames: 'capture-chunks/[name]-[hash].js',
            // Vite minifies an ES library's syntax but keeps its whitespace and comments, for an
            // app's bundler to read; these files go to browsers as they are, like the IIFE.
            minify: true,
            comments: false,
          },
        },
      },
    },
    // The face worker: the bundled detector with TensorFlow.js in one classic script, built on its
    // own into models/ beside the weights it loads, so that whoever serves the models serves it
    // too (src/capture/face/worker-face-detector.ts starts it; the capture chunk keeps only that glue).
    faceWorker: {
      consumer: 'client',
      build: {
        emptyOutDir: false,
        minify: true,
        chunkSizeWarningLimit: 1400,
        lib: {
          entry: 'src/capture/face/face-worker.ts',
          formats: ['iife'],
          name: 'OkidFaceWorker',
          fileName: () => 'models/face-worker.js',
        },
        rolldownOptions: { output: { comments: false } },
      },
    },
  },
  builder: {
    async buildApp(builder) {
      for (const name of ['esm', 'iife', 'capture', 'faceWorker']) {
        const environment = builder.environments[name];
        if (!environment) throw new Error(`vite.config.ts: no ${name} environment`);
        await builder.build(environment);
      }
      const outDir = resolve(root, builder.config.build.outDir);
      await copyFaceModels(outDir);
      runTool('typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--outDir', `${outDir}/types`]);
      // dist/custom-elements.json (package.json's `customElements`), from the element's source
      // and JSDoc; custom-elements-manifest.config.mjs says how.
      runTool('@custom-elements-manifest/analyzer/cem.js', ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--outdir', relative(root, outDir)]);
    },
  },
});
