/**
 * Which of our languages to speak, from BCP 47 tags (`nl-BE` → `nl`); English when we have no
 * translation for any of them. The list and the choice live in core (the sandbox's page picks
 * its `lang` with them too); the build takes its chunks from `LOCALES`.
 */
export { LOCALES, LANGUAGE_PARAM, acceptedLanguages, isRightToLeft, localeOf, pickLocale, withLanguage } from '../core/locale.js';
export type { Locale } from '../core/locale.js';
