// Browser code never imports server or sandbox code, and src/core stays free of the DOM and of
// Lit: a build check, since TypeScript alone would happily compile either mistake.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BROWSER_DIRS = ['src/element', 'src/controllers', 'src/capture', 'src/core'];
const files = (dir) =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? files(path) : /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });

const problems = [];
for (const dir of BROWSER_DIRS) {
  for (const file of files(dir)) {
    const source = readFileSync(join(root, file), 'utf8');
    for (const [, specifier] of source.matchAll(/(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      if (!specifier) continue;
      if (/(^|\/)(server|sandbox)(\/|\.js$)/.test(specifier) || /^node:/.test(specifier)) {
        problems.push(`${file} imports ${specifier}: browser code must not reach server, sandbox or Node modules`);
      }
      if (file.startsWith('src/core/') && (/^lit/.test(specifier) || /(element|controllers|capture)\//.test(specifier))) {
        problems.push(`${file} imports ${specifier}: src/core has no DOM and no Lit`);
      }
    }
  }
}
if (problems.length) {
  console.error(`boundaries:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`boundaries: ok (${BROWSER_DIRS.join(', ')} import no server, sandbox or node: modules)`);
