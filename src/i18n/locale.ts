/**
 * Which of our languages to speak, from a BCP 47 tag (`nl-BE` → `nl`); English when we have no
 * translation for it.
 */
export const LOCALES = ['en', 'nl', 'fr', 'de', 'es', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

export function pickLocale(tag: string | null | undefined): Locale {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(language ?? '') ? (language as Locale) : 'en';
}

/** Languages written right to left. */
export const isRightToLeft = (locale: Locale): boolean => locale === 'ar';
