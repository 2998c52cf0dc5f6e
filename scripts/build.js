// Builds the package: the ESM entries (element, protocol, server, sandbox) with lit, zod and
// Node's modules left to the consumer, the self-contained IIFE for <script> tags, and the
// type declarations. Run by `npm run build`.
import { rm } from 'node:fs/promises';
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
  id === 'qrcode'; // the Node entry (PNG rendering) used by the sandbox; browsers take only its core

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

const quiet = { logLevel: 'warn', configFile: false, root, plugins: [minifyElementCss] };

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

// IIFE: everything in one file for <script src>, minified.
await build({
  ...quiet,
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['iife'],
      name: 'OkidVerify',
      fileName: () => 'okid-verify.iife.js',
    },
  },
});

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
console.log('built dist/');
