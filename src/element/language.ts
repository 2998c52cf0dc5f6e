/**
 * Which language the element speaks, and the handoff URL that carries it to the phone.
 */
import { LANGUAGE_PARAM, pickLocale, withLanguage } from '../i18n/locale.js';
import type { Locale } from '../i18n/locale.js';

/** The `lang` query parameter of the page: on a phone, the language of the desktop page that handed off. */
function handedOffLanguage(): string | null {
  try {
    return new URL(globalThis.location.href).searchParams.get(LANGUAGE_PARAM);
  } catch {
    return null;
  }
}

/**
 * The first of our languages among: the `locale` attribute, the page URL's `lang` (the handoff's),
 * the nearest `lang` attribute, the browser's languages in their order; else English.
 */
export function resolveLanguage(element: Element, locale: string | undefined): Locale {
  const browser = globalThis.navigator;
  return pickLocale([locale, handedOffLanguage(), element.closest('[lang]')?.getAttribute('lang'), ...(browser?.languages ?? []), browser?.language]);
}

/** The handoff URL the QR code, the copy button and "open here" give: with the element's language. */
export const handoffUrlIn = (url: string, language: Locale): string => withLanguage(url, language);
