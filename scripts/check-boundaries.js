// The architecture as a build check: which folder of src/ may import which, for static imports,
// re-exports, `import type` and dynamic `import()` alike, and no file-level import cycles.
// TypeScript compiles any of these mistakes happily; this script (run by `npm run test:size`)
// does not. `checkBoundaries(root)` is exported for its own test.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What each folder of src/ may import, besides itself. Browser code (core, i18n, controllers,
 * element, capture) never reaches server/ or sandbox/; server/ and sandbox/ share only core/.
 * `entry` is the package's entry files at the top of src/ (index.ts, okid.ts, protocol.ts, …).
 */
export const ALLOWED = {
  core: [],
  i18n: ['core'],
  controllers: ['core', 'i18n'],
  element: ['core', 'i18n', 'controllers'],
  capture: ['core', 'i18n', 'controllers'],
  server: ['core'],
  // The sandbox signs its webhooks with the server kit's signWebhook: one copy of the HMAC format,
  // so what the emulator sends is exactly what the proxy checks.
  sandbox: ['core', 'server'],
  entry: ['core', 'i18n', 'controllers', 'element'],
};

/**
 * The modules that load a lazy chunk: the only places allowed a dynamic `import()` of a folder
 * their own folder may not import statically (the element loads the capture chunk).
 */
export const CHUNK_LOADERS = {
  'src/element/load-capture.ts': ['capture'],
};

/** Folders whose code runs in browsers: no `node:` modules. */
const BROWSER = new Set(['core', 'i18n', 'controllers', 'element', 'capture', 'entry']);

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*(?:\/\*[^*]*\*\/\s*)?['"`]([^'"`]+)['"`]\s*\)/gm;

function listFiles(root, dir) {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return listFiles(root, path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

const folderOf = (file) => {
  const parts = file.split('/');
  return parts.length === 2 ? 'entry' : parts[1];
};

/** Every import of `source`: specifier, whether it is dynamic, whether it is type-only. */
export function importsOf(source) {
  const found = [];
  for (const match of source.matchAll(IMPORT)) {
    const [, typeOnly, staticSpecifier, dynamicSpecifier] = match;
    if (staticSpecifier) found.push({ specifier: staticSpecifier, dynamic: false, typeOnly: Boolean(typeOnly) });
    if (dynamicSpecifier) found.push({ specifier: dynamicSpecifier, dynamic: true, typeOnly: false });
  }
  return found;
}

/** Problems in the tree at `root` (an empty list when it keeps the rules). */
export function checkBoundaries(root) {
  const files = listFiles(root, 'src').map((file) => file.split('\\').join('/'));
  const known = new Set(files);
  const problems = [];
  const graph = new Map();
  for (const file of files) {
    const from = folderOf(file);
    const edges = [];
    for (const { specifier, dynamic } of importsOf(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('node:')) {
        if (BROWSER.has(from)) problems.push(`${file} imports ${specifier}: browser code has no Node modules`);
        continue;
      }
      if (!specifier.startsWith('.')) {
        if (from === 'core' && /^lit(-html|-element)?(\/|$)|^@lit\//.test(specifier)) problems.push(`${file} imports ${specifier}: src/core has no Lit`);
        continue;
      }
      if (specifier.includes('${')) {
        problems.push(`${file} has a computed import(\`${specifier}\`): the check cannot follow it`);
        continue;
      }
      const target = normalize(join(dirname(file), specifier)).split('\\').join('/').replace(/\.js$/, '.ts');
      if (!target.startsWith('src/')) continue; // a chunk beside the built bundle, or a package file
      const to = folderOf(target);
      if (known.has(target)) edges.push(target);
      if (to === from) continue;
      const allowed = ALLOWED[from]?.includes(to) || (dynamic && CHUNK_LOADERS[file]?.includes(to));
      if (!allowed) {
        problems.push(`${file} ${dynamic ? 'dynamically imports' : 'imports'} ${specifier}: ${from === 'entry' ? 'an entry' : `src/${from}`} may import only ${[...(ALLOWED[from] ?? [])].map((f) => `src/${f}`).join(', ') || 'itself'}`);
      }
    }
    graph.set(file, edges);
  }
  problems.push(...cycles(graph).map((cycle) => `import cycle: ${cycle.join(' → ')}`));
  return problems;
}

/** Each import cycle once, as the list of files around it. */
function cycles(graph) {
  const found = [];
  const seen = new Set();
  const state = new Map(); // 1: on the current path, 2: done
  const path = [];
  const visit = (file) => {
    state.set(file, 1);
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 1) {
        const cycle = path.slice(path.indexOf(next));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          found.push([...cycle, next]);
        }
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 2);
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const problems = checkBoundaries(root);
  if (problems.length) {
    console.error(`boundaries: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`boundaries: ok (${Object.entries(ALLOWED).map(([from, to]) => `${from} → ${to.join('|') || '∅'}`).join('; ')}; no cycles)`);
}
