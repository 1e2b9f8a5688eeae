/** snake_case ⇄ camelCase for the wire: the API speaks snake_case, the SDK camelCase. */

// Keys that must never be copied into a fresh object (prototype pollution).
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** `send_verification` → `sendVerification`. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// The SDK's own field names, converted once each (the set is fixed: no unbounded growth).
const snake = new Map<string, string>();

/** `sendVerification` → `send_verification`. Only for the SDK's own field names (memoised). */
export function toSnake(key: string): string {
  let out = snake.get(key);
  if (out === undefined) snake.set(key, (out = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)));
  return out;
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
