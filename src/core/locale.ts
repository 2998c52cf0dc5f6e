/**
 * The languages the element speaks and how one is chosen from BCP 47 tags: shared by the element
 * (its words), the build (one chunk per language) and the sandbox (its `/verify` page's `lang`).
 * No DOM: the browser's own list is handed in by the caller.
 */
export const LOCALES = ['en', 'nl', 'fr', 'de', 'es', 'ar', 'pt', 'it', 'pl', 'tr', 'ja', 'zh', 'hi', 'he', 'sv', 'da'] as const;
export type Locale = (typeof LOCALES)[number];

/** Old or sibling codes of our languages (`iw` is Hebrew's pre-1989 code, still sent by old Java stacks). */
const ALIASES: Readonly<Record<string, Locale>> = { iw: 'he', cmn: 'zh' };

/** Our language of one tag (`nl-BE` → `nl`, `zh-Hans-CN` → `zh`), or `undefined`. */
export function localeOf(tag: string | null | undefined): Locale | undefined {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if ((LOCALES as readonly string[]).includes(language)) return language as Locale;
  return ALIASES[language];
}

/**
 * Which of our languages to speak: the first of `tags` we have (in the order given, as
 * `navigator.languages` lists them), English when we have none of them.
 */
export function pickLocale(tags: string | null | undefined | readonly (string | null | undefined)[]): Locale {
  for (const tag of typeof tags === 'string' || !tags ? [tags] : tags) {
    const locale = localeOf(tag);
    if (locale) return locale;
  }
  return 'en';
}

/**
 * The languages of an `Accept-Language` header, most wanted first (`q=0` left out), for
 * {@link pickLocale}.
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== '' && entry.tag !== '*' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((entry) => entry.tag);
}

/** Languages written right to left. */
export const isRightToLeft = (locale: Locale): boolean => locale === 'ar' || locale === 'he';

/** The query parameter of a handoff URL that carries the desktop page's language to the phone. */
export const LANGUAGE_PARAM = 'lang';

/**
 * `url` with `lang={locale}` added, so the phone speaks the language of the page that handed off;
 * a URL that already names a language (the operator's own template) is left as it is.
 */
export function withLanguage(url: string, locale: Locale): string {
  try {
    const parsed = new URL(url);
    if (parsed.searchParams.has(LANGUAGE_PARAM)) return url;
    parsed.searchParams.set(LANGUAGE_PARAM, locale);
    return parsed.href;
  } catch {
    return url;
  }
}
