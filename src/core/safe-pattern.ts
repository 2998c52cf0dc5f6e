/**
 * Whether a form field's `pattern` runs in bounded time. JavaScript's regular expressions
 * backtrack: `(a+)+` against 27 "a"s and a "!" takes over half a second, doubling with every
 * character, and blocks the thread (the sandbox's event loop, the phone's page). Patterns come
 * from okID's flow config or the sandbox's `extra_data.sandbox_form`, so they are checked before
 * they are ever run:
 *
 * - at most {@link MAX_PATTERN_LENGTH} characters;
 * - no backreferences and no lookarounds (they escape the reasoning below);
 * - no nested quantifiers: a group repeated more than once (`+`, `*`, `{2,}`…) may not hold a
 *   variable repetition (`+`, `*`, `?`, `{1,3}`) or an alternative (`|`): `(a+)+`, `(a|aa)*`;
 * - the variable repetitions together allow at most {@link MAX_BACKTRACKING} ways to split a
 *   value (an open-ended one counts as 1,000 characters, the longest value), so
 *   `\d*\d*` passes and `\d*\d*\d*` does not.
 *
 * Such a pattern does at most a few million steps on the longest value a field takes. Pure,
 * no DOM; the check reads the source once, left to right.
 */
/** The longest `pattern` a form field may have, in characters. */
export const MAX_PATTERN_LENGTH = 200;
/** The longest value a form field takes: `MAX_FORM_VALUE_LENGTH` of form-fields.ts (which imports this module). */
const LONGEST_VALUE = 1000;
/** The most ways the variable repetitions of one pattern may split a value (see the module comment). */
export const MAX_BACKTRACKING = 2_000_000;

/** A group being read: what it holds, for the quantifier that may follow it. */
interface Group {
  variable: boolean;
  alternation: boolean;
}

/**
 * Why `source` could run too long or is no pattern at all, in a few words; undefined when it is
 * safe to run against any value of a form field.
 */
export function patternProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(source, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  const stack: Group[] = [{ variable: false, alternation: false }];
  // The atom a quantifier would apply to: a closed group's contents, or nothing special.
  let previous: Group | undefined;
  let ways = 1;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i]!;
    const top = stack[stack.length - 1]!;
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) return 'has a backreference, which can take exponential time';
      if ((next === 'p' || next === 'P' || next === 'u') && source[i + 2] === '{') i = source.indexOf('}', i);
      else i += 1;
      previous = undefined;
    } else if (char === '[') {
      i = classEnd(source, i);
      previous = undefined;
    } else if (char === '(') {
      if (/^\(\?<?[=!]/.test(source.slice(i, i + 4))) return 'has a lookahead or lookbehind, which the check cannot bound';
      // `(?:` and `(?<name>` open a group too; their `?` is no quantifier.
      if (source[i + 1] === '?') i = source[i + 2] === '<' ? source.indexOf('>', i) : i + 2;
      stack.push({ variable: false, alternation: false });
      previous = undefined;
    } else if (char === ')') {
      const group = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.variable ||= group.variable;
      parent.alternation ||= group.alternation;
      previous = group;
    } else if (char === '|') {
      top.alternation = true;
      previous = undefined;
    } else if (char === '*' || char === '+' || char === '?' || (char === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)))) {
      const [min, max, end] = quantifier(source, i);
      i = end;
      if (source[i + 1] === '?') i += 1; // lazy: the same steps in another order
      if (max > 1 && previous && (previous.variable || previous.alternation)) {
        return 'has nested quantifiers (a repeated group holding "+", "*", "?", "{m,n}" or "|"), which can take exponential time';
      }
      if (max > min) {
        top.variable = true;
        ways *= Number.isFinite(max) ? max - min + 1 : LONGEST_VALUE;
        if (ways > MAX_BACKTRACKING) return 'has too many open-ended repetitions in a row (at most two "*" or "+"), which can take polynomial time';
      }
      previous = undefined;
    } else {
      previous = undefined;
    }
  }
  return undefined;
}

/** Index of the `]` that closes the class opened at `start` (escapes skipped). */
function classEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i += 1) {
    if (source[i] === '\\') i += 1;
    else if (source[i] === ']') return i;
  }
  return source.length;
}

/** The quantifier at `i`: its least and most repetitions, and the index of its last character. */
function quantifier(source: string, i: number): [number, number, number] {
  const char = source[i];
  if (char === '*') return [0, Infinity, i];
  if (char === '+') return [1, Infinity, i];
  if (char === '?') return [0, 1, i];
  const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i))!;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
  return [min, max, i + match[0].length - 1];
}
