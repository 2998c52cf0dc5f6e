import { isRecord } from '../core/wire-checks.js';

/**
 * The English originals are declared `as const`, so `Strings` and `CaptureStrings` are literal
 * types that no translation could satisfy. `Translation<T>` widens every string literal (and
 * template literal) to `string` while keeping every key, array and function signature, so the
 * compiler still checks translations for completeness and shape.
 */
type Widen<T> = T extends string
  ? string
  : T extends readonly (infer U)[]
    ? readonly Widen<U>[]
    : T extends (...args: infer A) => infer R
      ? (...args: A) => Widen<R>
      : T extends object
        ? { [K in keyof T]: Widen<T[K]> }
        : T;

export type Translation<T> = Widen<T>;

/** An operator's partial replacement of any words, at any depth. */
export type Overrides<T> = T extends (...args: never[]) => unknown
  ? Widen<T>
  : T extends readonly unknown[]
    ? Widen<T>
    : T extends object
      ? { [K in keyof T]?: Overrides<T[K]> }
      : Widen<T>;


/**
 * English, then the translation, then the operator's overrides; later layers win key by key, at
 * any depth. A value of another kind than English's (a string where a function is expected) is
 * ignored, so a wrong override cannot break rendering.
 */
export function mergeStrings<T extends object>(base: T, ...layers: Array<object | undefined>): T {
  const merge = (into: Record<string, unknown>, layer: unknown): Record<string, unknown> => {
    if (!isRecord(layer)) return into;
    const out: Record<string, unknown> = { ...into };
    for (const [key, value] of Object.entries(layer)) {
      if (!(key in into) || value === undefined) continue;
      const current = into[key];
      out[key] = isRecord(current) && isRecord(value) ? merge(current, value) : typeof value === typeof current ? value : current;
    }
    return out;
  };
  return layers.reduce<Record<string, unknown>>((acc, layer) => merge(acc, layer), base as Record<string, unknown>) as T;
}
