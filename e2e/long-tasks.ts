/**
 * Main-thread tasks that freeze a page, measured in the page itself, for any engine Playwright (or
 * a WebDriver) drives: the Long Tasks API (`PerformanceObserver` type `longtask`, every task over
 * 50 ms, Chromium) where the engine has it, else a gap probe: a `MessageChannel` message every
 * {@link GAP_PROBE_INTERVAL_MS}, whose late arrival is the time the main thread was busy
 * (WebKit, Firefox). The probe is an init script, so it runs before the page's own scripts and
 * needs no `script-src` of the page (Playwright's init scripts, WebDriver BiDi's preload scripts
 * and WebKit's user scripts are all exempt from CSP).
 *
 * ```ts
 * await page.addInitScript(LONG_TASK_PROBE);       // or context.addInitScript
 * await page.goto(url);
 * const since = await markLongTasks(page);          // from here…
 * // … the person taps, the flow runs …
 * const { method, longestMs, tasks } = await readLongTasks(page, since);
 * ```
 *
 * A driver that itself stops the page's main thread (WebKitGTK's WebDriver: each script it runs
 * or click it sends holds the main thread 50–200 ms on a loaded machine, with the page idle; seen
 * with this probe on a blank page) runs {@link DRIVER_MARK} first: a gap around such a call is the
 * driver's, kept apart in `driverTasks`; the test then calls the page rarely, so that the page's
 * own long task seldom falls beside a call.
 */

/** Gap probe: one message every this many milliseconds (a task is seen to about this precision). */
export const GAP_PROBE_INTERVAL_MS = 20;
/** Gap probe: a message this much later than due counts as a busy main thread (milliseconds). */
export const GAP_PROBE_MIN_MS = 50;

/** A gap that began up to this long after a driver's call (or ended after it began) is the driver's (milliseconds). */
export const DRIVER_MARGIN_MS = 100;

/** Page source a driver runs first in each of its calls into the page (see the module comment). */
export const DRIVER_MARK = 'window.__okidLongTasks && window.__okidLongTasks.calls.push(performance.now());';

/** One busy stretch of the main thread, in the page's `performance.now()` milliseconds. */
export interface MainThreadTask {
  startMs: number;
  durationMs: number;
}

/** What the probe saw. */
export interface LongTaskReport {
  /** `longtask`: the engine's Long Tasks API; `gap`: the message-gap probe. */
  method: 'longtask' | 'gap';
  /** Every task of 50 ms or more since the mark, in order (the driver's apart). */
  tasks: MainThreadTask[];
  /** Gaps beside a call of a driver that marks its calls ({@link DRIVER_MARK}): the driver's, not the page's. */
  driverTasks: MainThreadTask[];
  /** The longest (0 when none). */
  longestMs: number;
  /** How long the probe watched, from the mark to the read (milliseconds). */
  watchedMs: number;
}

/**
 * The probe, as an init script (a string, so that any driver can inject it as it is). It keeps
 * what it sees in `window.__okidLongTasks`; it starts at page load and costs one small message
 * every 20 ms where the Long Tasks API is missing.
 */
export const LONG_TASK_PROBE = `(() => {
  if (window.__okidLongTasks) return;
  const probe = (window.__okidLongTasks = { method: 'gap', tasks: [], calls: [] });
  const supported = (typeof PerformanceObserver === 'function' && PerformanceObserver.supportedEntryTypes) || [];
  if (supported.includes('longtask')) {
    probe.method = 'longtask';
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.tasks.push({ startMs: entry.startTime, durationMs: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    return;
  }
  const channel = new MessageChannel();
  let due = 0;
  channel.port1.onmessage = () => {
    const now = performance.now();
    const late = now - due;
    if (late >= ${GAP_PROBE_MIN_MS}) probe.tasks.push({ startMs: due, durationMs: late });
    setTimeout(send, ${GAP_PROBE_INTERVAL_MS});
  };
  const send = () => {
    due = performance.now();
    channel.port2.postMessage(0);
  };
  send();
})();`;

/** Something that runs a function in a page: Playwright's `Page` (or a `Frame`). */
export interface EvaluatesInPage {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

/** The page's clock now: tasks from here on are what {@link readLongTasks} reports. Fails when the probe is missing. */
export async function markLongTasks(page: EvaluatesInPage): Promise<number> {
  return page.evaluate(() => {
    if (!(window as unknown as { __okidLongTasks?: unknown }).__okidLongTasks) throw new Error('long-tasks: add LONG_TASK_PROBE as an init script before the page loads');
    return performance.now();
  }, undefined);
}

/** Tasks of 50 ms or more since `sinceMs` (from {@link markLongTasks}). */
export async function readLongTasks(page: EvaluatesInPage, sinceMs: number): Promise<LongTaskReport> {
  const { method, tasks, calls, now } = await page.evaluate(
    () => {
      const probe = (window as unknown as { __okidLongTasks?: { method: 'longtask' | 'gap'; tasks: MainThreadTask[]; calls?: number[] } }).__okidLongTasks;
      if (!probe) throw new Error('long-tasks: add LONG_TASK_PROBE as an init script before the page loads');
      return { method: probe.method, tasks: probe.tasks.slice(), calls: (probe.calls ?? []).slice(), now: performance.now() };
    },
    undefined,
  );
  // A task that started before the mark but ran into the window counts for its part inside it.
  const inside = tasks
    .filter((task) => task.startMs + task.durationMs > sinceMs)
    .map((task) => (task.startMs >= sinceMs ? task : { startMs: sinceMs, durationMs: task.startMs + task.durationMs - sinceMs }));
  const byDriver = (task: MainThreadTask) => calls.some((at) => at >= task.startMs - DRIVER_MARGIN_MS && at <= task.startMs + task.durationMs);
  const own = inside.filter((task) => !byDriver(task));
  return { method, tasks: own, driverTasks: inside.filter(byDriver), longestMs: Math.max(0, ...own.map((task) => task.durationMs)), watchedMs: now - sinceMs };
}

/** A one-line summary: method, count, longest, and the five longest. */
export function describeLongTasks(report: LongTaskReport): string {
  const top = report.tasks
    .map((task) => task.durationMs)
    .sort((a, b) => b - a)
    .slice(0, 5)
    .map((ms) => ms.toFixed(0));
  const driver = report.driverTasks.length
    ? `; beside the driver's calls ${report.driverTasks.length}, longest ${Math.max(...report.driverTasks.map((task) => task.durationMs)).toFixed(0)} ms`
    : '';
  return `${report.method}: ${report.tasks.length} tasks ≥ 50 ms in ${(report.watchedMs / 1000).toFixed(1)} s, longest ${report.longestMs.toFixed(0)} ms (top: ${top.join(', ') || 'none'})${driver}`;
}
