// The catalogue types. English (en.ts) defines the keys; ru.ts and uk.ts must define every one of them.
import type { en } from './en.js';

export type Lang = 'en' | 'ru' | 'uk';

/** Plural forms by Intl.PluralRules category; `other` is required as the fallback. */
export interface PluralMessage {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

export type Message = string | PluralMessage;

export type MsgKey = keyof typeof en;

/** A language's catalogue: every key, a message or (for advice steps) a list of messages. */
export type Catalogue = { readonly [K in MsgKey]: Message | readonly string[] };

/** What en.ts is checked against (it defines the keys, so it cannot use Catalogue itself). */
export type CatalogueShape = Readonly<Record<string, Message | readonly string[]>>;
