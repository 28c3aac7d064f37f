// JSON helpers for the emulator: deep copies and safe key checks for untrusted request bodies.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

export function safeKey(k: string): boolean {
  return k !== '__proto__' && k !== 'constructor' && k !== 'prototype';
}

/** `{"no": true}` deletes or resets the node it sits at (doc §3). */
export function isNo(v: unknown): boolean {
  return isObj(v) && v.no === true;
}
