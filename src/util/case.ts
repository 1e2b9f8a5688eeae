/**
 * snake_case → camelCase for what the API sends: the API speaks snake_case, the SDK camelCase (its
 * own wire names are written out where they are sent or read).
 */

// Keys that must never be copied into a fresh object (prototype pollution).
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** `send_verification` → `sendVerification`. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Shallow copy with camelCase keys, dropping prototype-polluting keys. */
export function camelKeys(source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (!FORBIDDEN.has(key)) out[toCamel(key)] = source[key];
  }
  return out;
}

/** Whether a key may be copied into an object without touching its prototype. */
export function isSafeKey(key: string): boolean {
  return !FORBIDDEN.has(key);
}
