// Messages in English, Russian and Ukrainian without a package: typed catalogues (src/i18n/<lang>.ts,
// every key required in every language, checked by tsc), `{name}` placeholders, and plural forms picked
// with the built-in Intl.PluralRules (ru/uk: one / few / many / other; en: one / other).
import { en } from './en.js';
import { ru } from './ru.js';
import { uk } from './uk.js';
import type { Catalogue, Lang, Message, MsgKey } from './types.js';

export type { Catalogue, Lang, Message, MsgKey, PluralMessage } from './types.js';

export const LANGS: readonly Lang[] = ['en', 'ru', 'uk'];

export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { en, ru, uk };

export function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'ru' || v === 'uk';
}

/** "ru_RU.UTF-8", "uk-UA", "ru" → the language, or undefined for C/POSIX/others. */
export function langOfLocale(locale: string | undefined): Lang | undefined {
  if (!locale) return undefined;
  const m = /^([a-z]{2,3})(?:[_-]|\.|@|$)/i.exec(locale.trim());
  const code = m?.[1]?.toLowerCase();
  if (code === 'ua') return 'uk'; // a common mistake in locale settings
  return isLang(code) ? code : undefined;
}

/**
 * The OS locale as POSIX orders it (LC_ALL, then LC_MESSAGES, then LANG; LANGUAGE's first entry
 * before them as GNU gettext does), then the Intl default (Windows and macOS set no variables).
 * English when none of them is ru/uk. Intl is asked only when no variable answers: it maps several MB
 * of ICU data into the process, which a long-running watch should not carry for nothing.
 */
export function detectLang(env: NodeJS.ProcessEnv = process.env, intlLocale?: string): Lang {
  const posix = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '');
  // C/POSIX is a deliberate "no translation".
  if (posix && /^(C|POSIX)(\.|$)/.test(posix)) return langOfLocale(env['LANGUAGE']?.split(':')[0]) ?? 'en';
  const fromEnv = langOfLocale(env['LANGUAGE']?.split(':')[0]) ?? langOfLocale(posix);
  if (fromEnv) return fromEnv;
  if (posix) return 'en';
  return langOfLocale(intlLocale ?? Intl.DateTimeFormat().resolvedOptions().locale) ?? 'en';
}

const pluralRules = new Map<Lang, Intl.PluralRules>();
function pluralOf(lang: Lang, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(lang)));
  return rules.select(n);
}

export type Params = Record<string, string | number | undefined>;

/** Fills `{name}` placeholders; an unknown one is left as it is (visible in tests, never a crash). */
export function fill(text: string, params: Params = {}): string {
  return text.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

export function pick(lang: Lang, msg: Message, params: Params = {}): string {
  if (typeof msg === 'string') return fill(msg, params);
  const count = typeof params['count'] === 'number' ? params['count'] : 0;
  const form = pluralOf(lang, count);
  return fill(msg[form] ?? msg.other, params);
}

export function t(lang: Lang, key: MsgKey, params: Params = {}): string {
  const msg = CATALOGUES[lang][key] as Message | readonly string[];
  if (Array.isArray(msg)) return msg.map((m) => fill(m, params)).join('\n');
  return pick(lang, msg as Message, params);
}

/** A list-valued message (advice steps), each item filled. */
export function tList(lang: Lang, key: MsgKey, params: Params = {}): string[] {
  const msg = CATALOGUES[lang][key] as Message | readonly string[];
  if (Array.isArray(msg)) return msg.map((m) => fill(m, params));
  return [pick(lang, msg as Message, params)];
}

export function hasKey(key: string): key is MsgKey {
  return Object.hasOwn(en, key);
}
