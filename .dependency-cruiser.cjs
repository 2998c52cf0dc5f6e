// The architecture of ARCHITECTURE.md ("Folders and what they may import") as dependency-cruiser
// rules, checked by `npm run test:size` (scripts/check-boundaries.js runs them, adds the one check
// dependency-cruiser cannot make, and prints what it saw). `npx depcruise src` runs them alone.
// Every rule has a fixture it must refuse in test/node/check-boundaries.test.ts.
//
// Paths are relative to the project's root, with forward slashes, and matched as regular
// expressions. Static imports, re-exports, `import type` and dynamic `import()` are all
// dependencies here (tsPreCompilationDeps below keeps the type-only ones).

/**
 * The one server module the sandbox may import: the module that exports `signWebhook`, so the
 * emulator signs its webhooks with exactly the code the proxy checks them with. When the server
 * files move, repoint this path (and nothing else).
 */
const WEBHOOK_SIGNER = 'src/server/webhooks/signature.ts';

/**
 * What each folder of src/ may import besides itself (and its own subfolders), one rule each.
 * `entry` is the package's entry files at the top of src/ (index.ts, okid.ts, protocol.ts, …).
 * A nested folder (a room of the server, say `'server/hub': ['core', 'server/okid']`) is one more
 * line: its rule comes on top of its parent's.
 */
const MAY_IMPORT = {
  core: [],
  i18n: ['core'],
  controllers: ['core', 'i18n'],
  // …and `capture` only through the dynamic import() in LAZY_CAPTURE_LOADER (rules below).
  element: ['core', 'i18n', 'controllers'],
  capture: ['core', 'i18n', 'controllers'],
  server: ['core'],
  // The server's rooms (src/server/*/README.md); the files at the top of src/server/ (the public
  // entry, createOkidProxy's wiring, its options) may import every room.
  'server/common': ['core'],
  'server/providers': ['core', 'server/common'],
  // The vendors: each implements server/providers; none imports another.
  'server/okid': ['core', 'server/common', 'server/providers'],
  'server/ooto': ['core', 'server/common', 'server/providers'],
  'server/uqudo': ['core', 'server/common', 'server/providers'],
  'server/hub': ['core', 'server/common'],
  'server/status': ['core', 'server/common', 'server/hub', 'server/okid'],
  'server/webhooks': ['core', 'server/common', 'server/hub'],
  'server/http': ['core', 'server/common', 'server/hub', 'server/okid', 'server/providers', 'server/status', 'server/webhooks'],
  'server/check': ['core', 'server/common', 'server/okid', 'server/webhooks'],
  // …and WEBHOOK_SIGNER from server/ (rule below).
  sandbox: ['core'],
  entry: ['core', 'i18n', 'controllers', 'element'],
};

/** Imports a folder's rule leaves to a narrower rule of its own (below). */
const NARROWER_RULE = {
  element: ['capture'], // only LAZY_CAPTURE_LOADER, only dynamically
  sandbox: ['server'], // only WEBHOOK_SIGNER
};

/** The element's loader of the phone's capture chunk: the only way from element/ to capture/. */
const LAZY_CAPTURE_LOADER = 'src/element/load-capture.ts';

/** Folders whose code runs in browsers: no Node built-in modules. */
const BROWSER = ['core', 'i18n', 'controllers', 'element', 'capture', 'entry'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The regular expression for the files of a folder of src/ (`entry`: the files at its top). */
const filesOf = (folder) => (folder === 'entry' ? '^src/[^/]+$' : `^src/${escape(folder)}/`);
const describe = (folders) => folders.map((folder) => (folder === 'entry' ? 'the entry files' : `src/${folder}/`)).join(', ');

const boundaryRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  name: `${folder.replace(/\//g, '-')}-imports-only-${allowed.length ? allowed.join('-').replace(/\//g, '-') : 'itself'}`,
  comment: `${describe([folder])} may import ${allowed.length ? `only ${describe(allowed)} (and itself)` : 'nothing else of src/'} (ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: filesOf(folder) },
  to: {
    path: '^src/',
    pathNot: [folder, ...allowed, ...(NARROWER_RULE[folder] ?? [])].map(filesOf),
  },
}));

module.exports = {
  forbidden: [
    ...boundaryRules,
    {
      name: 'element-imports-capture-only-in-load-capture',
      comment: `src/element/ reaches src/capture/ only through ${LAZY_CAPTURE_LOADER}, so a desktop page never loads the capture chunk`,
      severity: 'error',
      from: { path: '^src/element/', pathNot: `^${escape(LAZY_CAPTURE_LOADER)}$` },
      to: { path: '^src/capture/' },
    },
    {
      name: 'load-capture-imports-capture-only-dynamically',
      comment: `${LAZY_CAPTURE_LOADER} loads src/capture/ with a dynamic import() only (a static one would put it in the desktop bundle)`,
      severity: 'error',
      from: { path: `^${escape(LAZY_CAPTURE_LOADER)}$` },
      to: { path: '^src/capture/', dynamic: false },
    },
    {
      name: 'sandbox-imports-from-server-only-the-webhook-signer',
      comment: `src/sandbox/ may import from src/server/ only ${WEBHOOK_SIGNER} (signWebhook)`,
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/server/', pathNot: `^${escape(WEBHOOK_SIGNER)}$` },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle between files of src/ (type-only imports included)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-node-builtins-in-browser-code',
      comment: `browser code (${describe(BROWSER)}) imports no Node built-in module`,
      severity: 'error',
      from: { path: BROWSER.map(filesOf) },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-lit-in-core',
      comment: 'src/core/ has no DOM and no Lit',
      severity: 'error',
      from: { path: filesOf('core') },
      to: { path: '(^|/)node_modules/(lit|lit-html|lit-element|@lit/[^/]+)/' },
    },
    // Two halves of one rule: without dist/ the name does not resolve (so it is matched as written);
    // with dist/, package.json "exports" resolves it to the package's own files, which makes it a
    // bare name that lands outside node_modules: 'undetermined' to dependency-cruiser.
    {
      name: 'no-self-import-by-package-name',
      comment: "src/ imports its own files by path, never the package by its name ('okid-verify', 'okid-verify/…')",
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^okid-verify(/|$)' },
    },
    {
      name: 'no-self-import-by-package-name',
      comment: "src/ imports its own files by path, never the package by its name ('okid-verify', 'okid-verify/…')",
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['undetermined'] },
    },
    {
      name: 'no-import-of-dist',
      comment: 'src/ never imports the build output (dist/)',
      severity: 'error',
      from: { path: '^src/' },
      // dist/… when the build is there; as written (../../dist/…) when it is not.
      to: { path: ['^dist/', '^[./]*/dist/'] },
    },
    {
      name: 'no-js-sources-in-src',
      comment: 'src/ holds TypeScript only: a .js/.mjs/.cjs file there escapes the type check',
      severity: 'error',
      from: { path: '^src/.+\\.[mc]?js$' },
      to: {},
    },
    {
      name: 'no-import-of-js-sources-in-src',
      comment: 'src/ holds TypeScript only: a .js/.mjs/.cjs file there escapes the type check',
      severity: 'error',
      from: {},
      to: { path: '^src/.+\\.[mc]?js$' },
    },
    {
      name: 'no-orphan-js-sources-in-src',
      comment: 'src/ holds TypeScript only: a .js/.mjs/.cjs file there escapes the type check',
      severity: 'error',
      from: { orphan: true, path: '^src/.+\\.[mc]?js$' },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves to a file or an installed package',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // `import type` and type-only re-exports count: a boundary holds for types too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve like the build: ESM conditions, package.json "exports".
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      mainFields: ['module', 'main', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
