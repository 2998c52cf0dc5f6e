/**
 * The docs cannot drift from the API: every ```ts, ```tsx and ```typescript block of README.md and
 * docs/*.md that is a whole program is type-checked, all in one TypeScript program, against the
 * package's public entries. `okid-verify`, `okid-verify/server`, `okid-verify/react`… resolve
 * through `paths` built from package.json's `exports` (each entry's `types`, `dist/types/x.d.ts`,
 * read as its source, `src/x.ts`), so a snippet sees exactly the exported subpaths, needs no
 * build, and an import of anything else (`okid-verify/server/proxy`) fails as it would in an app.
 * (examples.test.ts checks the framework examples against the built `dist/types` as well.)
 *
 * A block that is deliberately a fragment says so: ```ts fragment, or `<!-- fragment -->` on the
 * line before the fence. A failure lists `file:line` in the Markdown and TypeScript's message.
 * The same test checks that every relative link and `#anchor` between these pages resolves.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SNIPPET_LANGUAGES = new Set(['ts', 'tsx', 'typescript']);

/** One fenced TypeScript block: where it sits in the Markdown, and its code. */
export interface Snippet {
  /** Markdown file, relative to the package root (`docs/server.md`). */
  file: string;
  /** 1-based line of the block's first code line in that file. */
  line: number;
  tsx: boolean;
  code: string;
}

export interface Extracted {
  snippets: Snippet[];
  /** TypeScript blocks marked as fragments, so not compiled. */
  fragments: number;
}

/** A compile error, placed in the Markdown. */
export interface SnippetProblem {
  where: string;
  message: string;
}

/** The ```ts / ```tsx / ```typescript blocks of `markdown`, fragments counted apart. */
export function extractSnippets(markdown: string, file: string): Extracted {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  let fragments = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', language = '', rest = ''] = open;
    const body: string[] = [];
    let end = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (end < lines.length && !close.test(lines[end]!)) {
      const line = lines[end]!;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
      end++;
    }
    if (SNIPPET_LANGUAGES.has(language.toLowerCase())) {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marked = /\bfragment\b/.test(rest) || (before >= 0 && /^<!--\s*fragment\b.*-->$/.test(lines[before]!.trim()));
      if (marked) fragments++;
      else snippets.push({ file, line: i + 2, tsx: language.toLowerCase() === 'tsx', code: body.join('\n') });
    }
    i = end;
  }
  return { snippets, fragments };
}

/** README.md and every docs/*.md, relative to the package root. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** `paths` for every entry of package.json's `exports` that has types, mapped to its source file. */
function exportPaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'object' && target !== null ? (target as { types?: unknown }).types : undefined;
    if (typeof types !== 'string') continue;
    const source = types.replace(/^\.\/dist\/types\//, 'src/').replace(/\.d\.ts$/, '.ts');
    const file = join(ROOT, source);
    if (!existsSync(file)) throw new Error(`package.json exports ${subpath} with types ${types}, but its source ${source} does not exist`);
    paths[subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [file];
  }
  return paths;
}

/** The repository's compiler options, with JSX, Node's types and the public entries. */
function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return {
    ...options,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    // What an app has: Node's types (servers read process.env), not the test runner's globals.
    types: ['node'],
    // Each snippet is a module of its own, even one without an import.
    moduleDetection: ts.ModuleDetectionKind.Force,
    paths: exportPaths(),
  };
}

/** Where a snippet lives while compiled: beside its Markdown file, so `node_modules` resolves as there. */
function virtualPath(snippet: Snippet): string {
  const markdown = resolve(ROOT, snippet.file);
  return join(dirname(markdown), `${basename(markdown)}.L${snippet.line}.${snippet.tsx ? 'tsx' : 'ts'}`);
}

/** Libraries and sources parsed once for every program this file makes. */
const parsedFiles = new Map<string, ts.SourceFile>();

/**
 * Type-checks every snippet in one program. Returns the problems, each at its Markdown line, and
 * the program (pass it back as `oldProgram` to reuse what it resolved).
 */
export function checkSnippets(snippets: Snippet[], oldProgram?: ts.Program): { problems: SnippetProblem[]; program: ts.Program } {
  const byPath = new Map(snippets.map((snippet) => [virtualPath(snippet), snippet]));
  const options = oldProgram?.getCompilerOptions() ?? compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path);
  host.readFile = (path) => byPath.get(path)?.code ?? readFile.call(host, path);
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const snippet = byPath.get(path);
    if (snippet) return ts.createSourceFile(path, snippet.code, language, true, snippet.tsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    let parsed = parsedFiles.get(path);
    if (!parsed) {
      parsed = getSourceFile.call(host, path, language, onError, shouldCreate);
      if (parsed) parsedFiles.set(path, parsed);
    }
    return parsed;
  };
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host, oldProgram });
  const problems: SnippetProblem[] = [];
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    problems.push({ where: 'compiler options', message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') });
  }
  for (const [path, snippet] of byPath) {
    const source = program.getSourceFile(path);
    if (!source) {
      problems.push({ where: `${snippet.file}:${snippet.line}`, message: 'not compiled' });
      continue;
    }
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      problems.push({
        where: `${snippet.file}:${snippet.line + line}`,
        message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      });
    }
  }
  return { problems, program };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^ {0,3}(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    let name = base;
    for (let n = 1; found.has(name); n++) name = `${base}-${n}`;
    found.add(name);
  }
  return found;
}

describe('docs: TypeScript snippets compile against the public API', () => {
  let shared: ts.Program | undefined;

  test('every whole-program snippet in README.md and docs/*.md type-checks', () => {
    const all: Snippet[] = [];
    let fragments = 0;
    for (const file of markdownFiles()) {
      const extracted = extractSnippets(readFileSync(join(ROOT, file), 'utf8'), file);
      all.push(...extracted.snippets);
      fragments += extracted.fragments;
    }
    const { problems, program } = checkSnippets(all);
    shared = program;
    console.log(`docs snippets: ${all.length} compiled from ${markdownFiles().length} files, ${fragments} marked as fragments`);
    assert.ok(all.length >= 10, `only ${all.length} snippets found: is the extraction broken?`);
    assert.deepEqual(problems.map((p) => `${p.where}: ${p.message}`), []);
  });

  test('a snippet that misuses the API, or imports what is not exported, fails at its Markdown line', () => {
    const markdown = [
      '# Fixture', // 1
      '', // 2
      '```ts', // 3
      "import { createOkidProxy } from 'okid-verify/server';", // 4
      '', // 5
      "createOkidProxy({ apiKey: 'k', baseUrl: 'http://127.0.0.1:8790', pollIntervalMs: '2000' });", // 6
      '```', // 7
      '', // 8
      '```typescript', // 9
      "import { createOkidProxy } from 'okid-verify/server/proxy';", // 10
      '```', // 11
      '', // 12
      '<!-- fragment -->', // 13
      '```ts', // 14
      'okid.close(); // refers to a proxy made elsewhere', // 15
      '```', // 16
      '', // 17
      '```ts fragment', // 18
      'el.strings = {};', // 19
      '```', // 20
      '', // 21
      '```tsx', // 22
      "import 'okid-verify/react';", // 23
      'export const Bad = () => <okid-verify proxy-url="/okid" mode="qr" />;', // 24
      '```', // 25
    ].join('\n');
    const { snippets, fragments } = extractSnippets(markdown, 'docs/fixture.md');
    assert.deepEqual(
      snippets.map((s) => [s.line, s.tsx]),
      [
        [4, false],
        [10, false],
        [23, true],
      ],
    );
    assert.equal(fragments, 2);
    const { problems } = checkSnippets(snippets, shared);
    const lines = problems.map((p) => `${p.where}: ${p.message}`);
    assert.equal(problems.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /^docs\/fixture\.md:6: TS2322: Type 'string' is not assignable to type 'number'/);
    assert.match(lines[1]!, /^docs\/fixture\.md:10: TS2307: Cannot find module 'okid-verify\/server\/proxy'/);
    assert.match(lines[2]!, /^docs\/fixture\.md:24: TS2322: Type '"qr"' is not assignable to type 'Mode \| undefined'/);
  });

  test('every relative link and #anchor in README.md, docs/ and SECURITY.md resolves', () => {
    const broken: string[] = [];
    for (const file of [...markdownFiles(), 'SECURITY.md']) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1\s*$/gm, '');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const targetFile = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!existsSync(targetFile)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && !anchors(readFileSync(targetFile, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
