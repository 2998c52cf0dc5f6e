/**
 * Loads a translation on demand: English is built in, every other language is a chunk of its
 * own, so a page pays only for the language it shows. The script-tag build imports
 * `locales/{locale}.js` from beside its bundle.
 */
import type { CaptureStrings } from './en-capture.js';
import type { Strings } from './en-element.js';
import { SCRIPT_TAG_BUILD } from './script-tag-build.js';
import { besideBundle } from './script-url.js';
import type { Locale } from './locale.js';
import type { Translation } from './types.js';

export interface TranslationModule {
  element: Translation<Strings>;
  capture: Translation<CaptureStrings>;
}

const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<TranslationModule>> = {
  nl: () => import('./nl.js'),
  fr: () => import('./fr.js'),
  de: () => import('./de.js'),
  es: () => import('./es.js'),
  ar: () => import('./ar.js'),
  pt: () => import('./pt.js'),
  it: () => import('./it.js'),
  pl: () => import('./pl.js'),
  tr: () => import('./tr.js'),
  ja: () => import('./ja.js'),
  zh: () => import('./zh.js'),
  hi: () => import('./hi.js'),
  he: () => import('./he.js'),
  sv: () => import('./sv.js'),
  da: () => import('./da.js'),
};

const cache = new Map<Locale, Promise<TranslationModule | undefined>>();

/** The translation of `locale`, or `undefined` for English or when it cannot be loaded (English then). */
export function loadTranslation(locale: Locale): Promise<TranslationModule | undefined> {
  if (locale === 'en') return Promise.resolve(undefined);
  let loading = cache.get(locale);
  if (!loading) {
    loading = (
      SCRIPT_TAG_BUILD
        ? (import(/* @vite-ignore */ besideBundle(`locales/${locale}.js`)) as Promise<TranslationModule>)
        : LOADERS[locale]()
    ).catch(() => {
      cache.delete(locale);
      return undefined;
    });
    cache.set(locale, loading);
  }
  return loading;
}
