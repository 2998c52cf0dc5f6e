/**
 * The person's language and who is asking, outside a browser: every word of every language
 * (the compiler checks the shape through `Translation<…>`; this checks the running modules), the
 * language choice from tags and `Accept-Language`, the handoff URL's `lang`, and the sandbox's
 * `/verify` page and flow config over real HTTP.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FlowConfigSchema } from '../../src/core/capture-api-schemas.js';
import { LOCALES, acceptedLanguages, isRightToLeft, pickLocale, withLanguage } from '../../src/core/locale.js';
import type { Locale } from '../../src/core/locale.js';
import { captureEn } from '../../src/i18n/en-capture.js';
import { en } from '../../src/i18n/en-element.js';
import { parseCliArgs } from '../../src/sandbox/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { call, createV2 } from './sandbox-helpers.js';

const I18N_DIR = fileURLToPath(new URL('../../src/i18n/', import.meta.url));
const OTHERS = LOCALES.filter((locale) => locale !== 'en');

/** Sample arguments for the word functions, by name of the key path's last part. */
const SAMPLE_ARGS: Record<string, unknown[]> = {
  qrAlt: ['https://verify.example/verify?verification_id=ver_x'],
  timeLeft: ['4:59'],
  sideTitle: ['ID', 'back'],
  promptLabel: [2, 5],
  uploading: [3],
  redirecting: [3],
  denied: ['HELP'],
  inApp: ['APP', 'HOW'],
  summary: [2],
  too_long: [100],
};

/**
 * Every leaf of `english` found in `translated` with the same kind: strings non-empty, lists of
 * the same length, functions giving a non-empty string. Returns the problems, by key path.
 */
function compare(english: unknown, translated: unknown, path: string, problems: string[]): void {
  if (typeof english === 'function') {
    if (typeof translated !== 'function') return void problems.push(`${path}: missing function`);
    const name = path.split('.').pop() ?? '';
    const args = SAMPLE_ARGS[name] ?? Array.from({ length: english.length }, () => 1);
    const out = (translated as (...a: unknown[]) => unknown)(...args);
    if (typeof out !== 'string' || out.trim() === '') problems.push(`${path}(): gives ${JSON.stringify(out)}`);
    return;
  }
  if (typeof english === 'string') {
    if (typeof translated !== 'string' || translated.trim() === '') problems.push(`${path}: missing`);
    return;
  }
  if (Array.isArray(english)) {
    if (!Array.isArray(translated) || translated.length !== english.length) return void problems.push(`${path}: needs ${english.length} lines`);
    english.forEach((line, i) => compare(line, translated[i], `${path}[${i}]`, problems));
    return;
  }
  if (typeof english === 'object' && english !== null) {
    if (typeof translated !== 'object' || translated === null) return void problems.push(`${path}: missing`);
    for (const key of Object.keys(english)) compare((english as Record<string, unknown>)[key], (translated as Record<string, unknown>)[key], `${path}.${key}`, problems);
    for (const key of Object.keys(translated)) if (!(key in english)) problems.push(`${path}.${key}: not an English key`);
  }
}

/** Long strings left in English (a copy instead of a translation), by key path. */
function untranslated(english: unknown, translated: unknown, path: string, found: string[]): void {
  if (typeof english === 'string') {
    if (english.length > 24 && english === translated) found.push(path);
  } else if (typeof english === 'object' && english !== null && typeof translated === 'object' && translated !== null) {
    for (const key of Object.keys(english)) untranslated((english as Record<string, unknown>)[key], (translated as Record<string, unknown>)[key], `${path}.${key}`, found);
  }
}

describe('every language', () => {
  it('has at least 16 languages, each a module of src/i18n/ (a lazy chunk of the build)', async () => {
    assert.ok(LOCALES.length >= 16, `${LOCALES.length} languages`);
    for (const required of ['pt', 'it', 'pl', 'tr', 'ja', 'zh', 'hi'] as const) assert.ok(LOCALES.includes(required), required);
    assert.ok(LOCALES.filter(isRightToLeft).length >= 2, 'two right-to-left languages');
    const files = await readdir(I18N_DIR);
    for (const locale of OTHERS) assert.ok(files.includes(`${locale}.ts`), `src/i18n/${locale}.ts`);
  });

  for (const locale of OTHERS) {
    it(`${locale}: every key of the element and of the capture flow, translated`, async () => {
      const module = (await import(`../../src/i18n/${locale}.ts`)) as { element: unknown; capture: unknown };
      const problems: string[] = [];
      compare(en, module.element, 'element', problems);
      compare(captureEn, module.capture, 'capture', problems);
      assert.deepEqual(problems, [], `${locale}:\n${problems.join('\n')}`);
      const english: string[] = [];
      untranslated(en, module.element, 'element', english);
      untranslated(captureEn, module.capture, 'capture', english);
      assert.deepEqual(english, [], `${locale} still in English: ${english.join(', ')}`);
    });
  }
});

describe('choosing the language', () => {
  it('takes the first tag we have, by language, with old and regional codes', () => {
    assert.equal(pickLocale('pt-BR'), 'pt');
    assert.equal(pickLocale('zh-Hans-CN'), 'zh');
    assert.equal(pickLocale('iw'), 'he');
    assert.equal(pickLocale(['ko-KR', 'ja', 'en']), 'ja');
    assert.equal(pickLocale([undefined, null, '', 'he-IL']), 'he');
    assert.equal(pickLocale(['ko', 'xx']), 'en');
    assert.equal(pickLocale(undefined), 'en');
  });

  it('reads Accept-Language by preference, dropping q=0 and *', () => {
    assert.deepEqual(acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5'), ['fr-CH', 'fr', 'en', 'de']);
    assert.deepEqual(acceptedLanguages('en;q=0.1, ar, he;q=0'), ['ar', 'en']);
    assert.deepEqual(acceptedLanguages(''), []);
    assert.equal(pickLocale(acceptedLanguages('ko-KR,ko;q=0.9,pl;q=0.8')), 'pl');
  });

  it('adds lang to a handoff URL, keeping an operator’s own', () => {
    assert.equal(withLanguage('https://verify.okid.io/verify?verification_id=ver_abcd', 'de'), 'https://verify.okid.io/verify?verification_id=ver_abcd&lang=de');
    assert.equal(withLanguage('https://op.example/phone/ver_abcd#top', 'ja'), 'https://op.example/phone/ver_abcd?lang=ja#top');
    assert.equal(withLanguage('https://op.example/p?lang=fr', 'de'), 'https://op.example/p?lang=fr');
  });
});

describe('sandbox: who is asking, and the /verify page’s language', () => {
  let sandbox: Sandbox;
  let plain: Sandbox;
  const operator = { name: 'Acme Rentals <b>', url: 'https://rentals.example/account?x=1' };

  before(async () => {
    // Any existing file stands in for the built element: these tests read the page, not the script.
    const elementScriptPath = fileURLToPath(import.meta.url);
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0, operator, elementScriptPath });
    plain = await startSandbox({ port: 0, processingDelayMs: 0, elementScriptPath });
  });
  after(async () => {
    await sandbox?.close();
    await plain?.close();
  });

  it('puts the operator’s name and address in the flow config, as given (text, not markup)', async () => {
    const flow = await call(sandbox, `/v1/flow/${await createV2(sandbox)}`);
    assert.equal(flow.status, 200);
    assert.deepEqual(FlowConfigSchema.parse(flow.body).operator, operator);
    const none = await call(plain, `/v1/flow/${await createV2(plain)}`);
    assert.equal(none.body.operator, undefined);
  });

  it('refuses a bad operator at start, with a readable reason', async () => {
    await assert.rejects(startSandbox({ port: 0, operator: { name: ' ', url: 'https://a.example' } }), /operator name must be 1 to 80 characters/);
    await assert.rejects(startSandbox({ port: 0, operator: { name: 'A\u0007', url: 'https://a.example' } }), /control characters/);
    await assert.rejects(startSandbox({ port: 0, operator: { name: 'A', url: 'javascript:alert(1)' } }), /http\(s\) URL/);
    await assert.rejects(startSandbox({ port: 0, operator: { name: 'A', url: 'https://user:pw@a.example' } }), /user name or password/);
  });

  it('okid-sandbox takes --operator-name with --operator-url', () => {
    assert.deepEqual(parseCliArgs(['--operator-name', 'Acme', '--operator-url', 'https://acme.example'])?.operator, { name: 'Acme', url: 'https://acme.example/' });
    assert.throws(() => parseCliArgs(['--operator-name', 'Acme']), /go together/);
    assert.throws(() => parseCliArgs(['--operator-name', 'Acme', '--operator-url', 'ftp://acme.example']), /--operator-url/);
  });

  const page = async (query: string, acceptLanguage?: string) => {
    const response = await fetch(`${sandbox.url}/verify?verification_id=ver_abcdefgh${query}`, { headers: acceptLanguage ? { 'Accept-Language': acceptLanguage } : {} });
    assert.equal(response.status, 200);
    const html = await response.text();
    return { html, root: /<html[^>]*>/.exec(html)?.[0], language: response.headers.get('content-language') };
  };

  it('speaks the handoff’s lang, else Accept-Language, else English; right to left for Arabic and Hebrew', async () => {
    const cases: Array<[string, string | undefined, Locale, 'ltr' | 'rtl']> = [
      ['&lang=de', 'ar,en;q=0.5', 'de', 'ltr'],
      ['&lang=he', undefined, 'he', 'rtl'],
      ['', 'ar-EG,ar;q=0.9,en;q=0.8', 'ar', 'rtl'],
      ['', 'ko-KR,ja;q=0.8', 'ja', 'ltr'],
      ['&lang=xx', 'pt-BR', 'pt', 'ltr'],
      ['', undefined, 'en', 'ltr'],
    ];
    for (const [query, accept, locale, dir] of cases) {
      const got = await page(query, accept);
      assert.equal(got.root, `<html lang="${locale}" dir="${dir}">`, `${query} ${accept}`);
      assert.equal(got.language, locale);
    }
  });

  it('never writes the query into the page', async () => {
    const got = await page('&lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    assert.equal(got.root, '<html lang="en" dir="ltr">');
    assert.ok(!got.html.includes('alert'));
  });
});
