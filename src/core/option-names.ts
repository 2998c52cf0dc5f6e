/**
 * Refusing option names a function does not know (createOkidProxy, createOkidClient, startSandbox), naming the nearest known one: a misspelt
 * `v1BaseURL` or `webhookSecrets` silently ignored is a bug found in production.
 *
 * @module
 */

/** Edit distance between two short names (insertions, deletions, substitutions; case-insensitive). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The known name nearest to `name`. */
export function nearestName(name: string, known: readonly string[]): string {
  let best = known[0]!;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Throws a `TypeError` (`{where}: unknown option "x"; did you mean "y"?`) for the first own
 * string key of `options` not in `known`. Values are never quoted (one may be a key).
 */
export function refuseUnknownOptions(where: string, options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      const shown = JSON.stringify(name.slice(0, 40));
      throw new TypeError(`${where}: unknown option ${shown}; did you mean "${nearestName(name, known)}"?`);
    }
  }
}
