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
