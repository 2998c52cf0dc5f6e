// The architecture as a build check (run by `npm run test:size`): dependency-cruiser checks the
// rules of .dependency-cruiser.cjs over src/ (static imports, re-exports, `import type`, dynamic
// `import()`), and this script adds the one check it cannot make: a dynamic `import()` whose
// argument is not a literal, which dependency-cruiser skips without a word, so it could reach any
// folder unseen. Prints the modules, dependencies, import depth and cycles it saw.
// `checkBoundaries(root)` is exported for test/node/check-boundaries.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import ts from 'typescript';

/**
 * The dynamic imports of src/ whose argument is computed, each by where it may stand (a file, or a
 * folder ending in /) and the argument's exact text: anything else computed is refused (rule
 * `no-non-literal-import`).
 */
export const COMPUTED_IMPORTS = [
  // The script-tag build's capture chunk, a file beside the bundle (not a module of src/).
  { where: 'src/element/load-capture.ts', argument: 'besideBundle(CAPTURE_IIFE_FILE)' },
  // The script-tag build's language chunks, files beside the bundle.
  { where: 'src/i18n/load.ts', argument: 'besideBundle(`locales/${locale}.js`)' },
  // The server's optional peer dependency ioredis, named by a variable so bundlers leave it to
  // Node (by folder, so the server's files may move).
  { where: 'src/server/', argument: 'name' },
];

const allowedComputed = (file, text) =>
  COMPUTED_IMPORTS.some(({ where, argument }) => argument === text && (where.endsWith('/') ? file.startsWith(where) : file === where));

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

function listSources(root, dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return listSources(root, path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every `import(x)` in the sources of src/ whose `x` is not a plain string, and not allowed above. */
export function nonLiteralImports(root) {
  const found = [];
  for (const file of listSources(root, 'src')) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const argument = node.arguments[0];
        const literal = argument && (ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument));
        const text = argument ? argument.getText(source) : '';
        if (!literal && !allowedComputed(file, text)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          found.push({ rule: 'no-non-literal-import', from: `${file}:${line + 1}`, to: `import(${text})`, comment: 'a computed import() cannot be checked against the boundaries; import a literal path (or list it in COMPUTED_IMPORTS, scripts/check-boundaries.js, with its reason)' });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The longest chain of imports between files of src/ (edges), cycles cut where they close. */
function depthOf(modules) {
  const edges = new Map(modules.filter((m) => m.source.startsWith('src/')).map((m) => [m.source, m.dependencies.map((d) => d.resolved).filter((to) => to.startsWith('src/'))]));
  const depth = new Map();
  const onPath = new Set();
  const visit = (file) => {
    if (depth.has(file)) return depth.get(file);
    if (onPath.has(file)) return 0;
    onPath.add(file);
    let deepest = 0;
    for (const to of edges.get(file) ?? []) if (!onPath.has(to)) deepest = Math.max(deepest, 1 + visit(to));
    onPath.delete(file);
    depth.set(file, deepest);
    return deepest;
  };
  return Math.max(0, ...[...edges.keys()].map(visit));
}

/**
 * Runs the rules of `root`/.dependency-cruiser.cjs over `root`/src and the non-literal import
 * check. Returns every violation (rule name, from, to) and what the cruise saw.
 */
export async function checkBoundaries(root) {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const tsConfigFile = join(root, options.ruleSet.options?.tsConfig?.fileName ?? 'tsconfig.json');
  options.baseDir = root;
  options.tsConfig = { fileName: tsConfigFile };
  const { output } = await cruise(['src'], options, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const rules = new Map(options.ruleSet.forbidden.map((rule) => [rule.name, rule.comment]));
  const violations = output.summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.cycle ? v.cycle.map((step) => step.name).join(' → ') : v.to,
    comment: rules.get(v.rule.name) ?? '',
  }));
  violations.push(...nonLiteralImports(root));
  const own = output.modules.filter((m) => m.source.startsWith('src/'));
  const cycles = new Set(output.summary.violations.filter((v) => v.cycle).map((v) => [v.from, ...v.cycle.map((step) => step.name)].sort().join('|')));
  return {
    violations,
    stats: {
      modules: own.length,
      dependencies: own.reduce((sum, m) => sum + m.dependencies.length, 0),
      internal: own.reduce((sum, m) => sum + m.dependencies.filter((d) => d.resolved.startsWith('src/')).length, 0),
      depth: depthOf(output.modules),
      cycles: cycles.size,
      rules: rules.size + 1,
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // The project's root, or the folder given (the test runs it on copies of the tree).
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
  const { violations, stats } = await checkBoundaries(root);
  const seen = `${stats.modules} modules in src/, ${stats.dependencies} dependencies (${stats.internal} between its files), import depth ${stats.depth}, ${stats.cycles} cycle(s); ${stats.rules} rules`;
  if (violations.length) {
    console.error(`boundaries: ${violations.length} problem(s) (${seen})`);
    for (const v of violations) console.error(`  ${v.rule}: ${v.from} → ${v.to}\n    ${v.comment}`);
    process.exit(1);
  }
  console.log(`boundaries: ok (${seen})`);
}
