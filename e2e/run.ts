/**
 * `npm run test:e2e`: every e2e file, in two groups run at the same time, so a newcomer's
 * `npm test` does not sit idle on 2-core machines.
 *
 * - The CPU group, one file after another: files that keep the CPU busy for minutes (the face
 *   detector on camera videos, three browser engines, framework builds, hundreds of element
 *   cycles). Two of them side by side would slow each other and the face check's timings.
 * - The waiting group, {@link WAITING_CONCURRENCY} files at a time: files that mostly wait on
 *   timers, event streams, retries and redis, using little CPU. Every test still listens on its
 *   own 127.0.0.1 port 0 and starts its own sandbox, proxy and browser, so nothing is shared.
 *
 * A new e2e file joins the waiting group unless it is named in {@link CPU_HEAVY}. Arguments
 * (`npm run test:e2e -- e2e/handoff.test.ts`) run just those files, one at a time.
 * `E2E_CONCURRENCY=1` runs the whole suite one file at a time, as before.
 *
 * `--with-node-tests` (what `npm test` passes) also runs the Node suite (`test/node`, one file
 * at a time) once the waiting group is done, and `--with-unit` (also passed by `npm test`) the
 * unit suite (`web-test-runner`, Chromium) once the CPU group is done, so each lane ends with the
 * other's light work: the lanes then take about as long as each other (measured in one fresh
 * clone: CPU 655 s + unit 160 s beside waiting 439 s + Node 328 s), and no more runs at once than
 * two files, as before. The unit suite used to run alone before everything, 160 s of one core.
 *
 * A file that fails is run once more at the end, alone, with nothing beside it; the run passes if
 * it passes then, and the summary names it as flaky, with its first failure's recap, so it gets
 * fixed rather than forgotten (`E2E_RETRY=0` turns this off). On two cores a test's timing beside
 * another file's browser is the usual cause; a test that is wrong fails both times.
 *
 * First of all, alone, the {@link QUIET} files: they bound the page's longest main-thread task
 * (200 ms, in `csp` with the face check on the main thread too) and need the face prompts to pass
 * live in three engines, which holds on a machine that does nothing else (WebKitGTK's CPU face
 * detector, at a load of 12, looked too slowly to pass).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Files that keep the CPU busy for most of their run. */
export const CPU_HEAVY = new Set([
  // Its live-region test watches the camera's guidance change frame by frame: beside another
  // file the frame analysis lagged and the guidance did not move in time (a fresh-clone run).
  'a11y.test.ts',
  'capture.test.ts',
  'capture-flows.test.ts',
  // Its capture flow runs the face check on the page's main thread (the policy refuses the worker),
  // with a bound on the longest task.
  'csp.test.ts',
  'engines.test.ts',
  // The face check on rendered people, with a bound on the main thread's longest task.
  'faces.test.ts',
  'frameworks.test.ts',
  'leaks.test.ts',
  'videos.test.ts',
]);

/** Files run alone, one after another, before the lanes start (a subset of {@link CPU_HEAVY}). */
export const QUIET = new Set(['csp.test.ts', 'engines.test.ts', 'faces.test.ts']);

/** Waiting files run side by side, this many at a time. */
const WAITING_CONCURRENCY = Number(process.env.E2E_CONCURRENCY ?? 2);

interface Group {
  name: string;
  files: string[];
  concurrency: number;
  /** A command of its own instead of node's test runner over `files` (the unit suite). */
  command?: string[];
}

/** Lanes run at the same time; the groups of one lane run one after another. */
function lanes(): { first?: Group; lanes: Group[][] } {
  const args = process.argv.slice(2);
  const withNode = args.includes('--with-node-tests');
  const unit: Group[] = args.includes('--with-unit')
    ? [{ name: 'unit', files: ['test/unit'], concurrency: 1, command: [process.execPath, join(ROOT, 'node_modules/@web/test-runner/dist/bin.js')] }]
    : [];
  const picked = args.filter((arg) => !arg.startsWith('--'));
  if (picked.length) return { lanes: [[{ name: 'e2e', files: picked, concurrency: 1 }]] };
  const all = readdirSync(join(ROOT, 'e2e'))
    .filter((name) => name.endsWith('.test.ts'))
    .sort();
  const node: Group[] = withNode
    ? [{ name: 'node', files: readdirSync(join(ROOT, 'test/node')).filter((name) => name.endsWith('.test.ts')).sort().map((name) => `test/node/${name}`), concurrency: 1 }]
    : [];
  if (WAITING_CONCURRENCY <= 1) return { lanes: [[...unit, { name: 'e2e', files: all.map((name) => `e2e/${name}`), concurrency: 1 }, ...node]] };
  const first: Group = { name: 'quiet', files: all.filter((name) => QUIET.has(name)).map((name) => `e2e/${name}`), concurrency: 1 };
  const cpu: Group = { name: 'cpu', files: all.filter((name) => CPU_HEAVY.has(name) && !QUIET.has(name)).map((name) => `e2e/${name}`), concurrency: 1 };
  const wait: Group = { name: 'wait', files: all.filter((name) => !CPU_HEAVY.has(name)).map((name) => `e2e/${name}`), concurrency: WAITING_CONCURRENCY };
  return {
    ...(first.files.length ? { first } : {}),
    lanes: [[cpu, ...unit], [wait, ...node]].map((lane) => lane.filter((group) => group.files.length > 0)).filter((lane) => lane.length > 0),
  };
}

/**
 * A test file still running after this long has hung: the longest takes ~210 s alone (`engines`),
 * ~180 s in a lane (`a11y`).
 */
const FILE_TIMEOUT_MS = 12 * 60_000;

/** Lines past this many of one group's failure recap are left to the group's own output. */
const RECAP_LINES = 120;

/** What each group said of its failures (the spec reporter's "failing tests" recap), printed again last. */
const recaps: { group: string; lines: string[]; files: string[] }[] = [];

/** Whether failed files are run once more, alone, at the end. */
const RETRY = process.env.E2E_RETRY !== '0';

/** The test files a recap line names (`test at e2e/x.test.ts:12:3`). */
const filesOf = (line: string): string[] => [...line.matchAll(/test at ((?:e2e|test\/node)\/[\w./-]+\.test\.ts):\d+/g)].map((match) => match[1]!);

/** Each group's one-line result, printed together last. */
const verdicts: string[] = [];

/**
 * Runs one group with node's test runner; its lines are prefixed with the group's name. A failing
 * group's recap is kept for the end, since CI logs are read from the bottom and the groups of
 * other lanes go on printing after it.
 */
function run(group: Group, prefix: boolean): Promise<number> {
  const recap: string[] = [];
  /** Every file the recap names, past {@link RECAP_LINES} too: a file left out would never be run again. */
  const named = new Set<string>();
  let inRecap = false;
  const started = Date.now();
  const [command, ...args] = group.command ?? [
    process.execPath,
    // --test-force-exit: a file whose failed test left a browser open (its close never reached)
    // ends once its tests are done, instead of holding the whole group (seen here: 27 min).
    // --test-timeout: the runner ends a file still running after FILE_TIMEOUT_MS and fails it, so
    // a hang becomes a failure that is run again alone (a11y once hung 20 min in a fresh clone).
    ...['--import', 'tsx', '--test', '--test-force-exit', `--test-timeout=${FILE_TIMEOUT_MS}`, `--test-concurrency=${group.concurrency}`, '--test-reporter=spec', ...group.files],
  ];
  const child = spawn(
    command!,
    args,
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } },
  );
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        out.write(prefix ? `[${group.name}] ${line}\n` : `${line}\n`);
        inRecap ||= line.includes('failing tests:');
        if (!inRecap) continue;
        if (recap.length < RECAP_LINES) recap.push(line);
        for (const file of filesOf(line)) named.add(file);
      }
    });
    stream.on('end', () => rest && out.write(prefix ? `[${group.name}] ${rest}\n` : `${rest}\n`));
  };
  forward(child.stdout!, process.stdout);
  forward(child.stderr!, process.stderr);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const verdict = `${group.name} group${group.command ? '' : ` (${group.files.length} files, ${group.concurrency} at a time)`}: ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s`;
      console.log(verdict);
      verdicts.push(verdict);
      if (code !== 0) recaps.push({ group: group.name, lines: recap.length ? recap : ['(no failing-tests recap printed: see the group\'s own lines above)'], files: [...named] });
      resolve(code ?? 1);
    });
  });
}

/** Runs a lane's groups one after another, each to its end whatever the one before it did. */
async function runLane(lane: Group[], prefix: boolean): Promise<number[]> {
  const codes: number[] = [];
  for (const group of lane) codes.push(await run(group, prefix));
  return codes;
}

const plan = lanes();
const groups = [...(plan.first ? [plan.first] : []), ...plan.lanes.flat()];
for (const group of groups) console.log(`${group.name} group: ${group.files.map((file) => relative('.', file)).join(' ')}`);
const codes = plan.first ? [await run(plan.first, true)] : [];
codes.push(...(await Promise.all(plan.lanes.map((lane) => runLane(lane, groups.length > 1)))).flat());
const failed = codes.some((code) => code !== 0);
// Every failing group must name its files: one that crashed without a recap is not retried.
const retry = failed && RETRY && recaps.every((recap) => recap.files.length > 0) ? [...new Set(recaps.flatMap((recap) => recap.files))] : [];
const firstRecaps = recaps.splice(0);
const again = retry.length ? await run({ name: 'again', files: retry, concurrency: 1 }, true) : 1;
console.log(`\nsummary:\n${verdicts.map((verdict) => `  ${verdict}`).join('\n')}`);
for (const { group, lines } of firstRecaps) console.log(`\n[${group}] failed; its recap again:\n${lines.join('\n')}`);
for (const { group, lines } of recaps) console.log(`\n[${group}] failed; its recap again:\n${lines.join('\n')}`);
if (failed && again === 0) console.log(`\nFLAKY: ${retry.join(', ')} failed in the run above and passed alone; the first failure's recap is above. Fix the test's timing.`);
process.exit(failed && again !== 0 ? 1 : 0);
