/** What the SDK, the emulator and the contract call a JSON object. */

/**
 * True for an object that is neither `null` nor an array (a parsed JSON object, an options bag).
 */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `value[name]` when it is the object's own property, else `undefined`: a name set on a polluted
 * `Object.prototype` (`baseUrl`, `optional`, `error`…) is never read as if the caller had set it.
 */
export const own = (value: object, name: string): unknown =>
  Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;

/**
 * A copy of the own properties of `value` (non-enumerable ones too: an `apiKey` hidden from logs
 * that way is still the caller's) in an object without a prototype, so that everything reading it
 * afterwards (options bags, parameter objects) sees only what the caller set, whatever was added
 * to `Object.prototype`. Accessors are read once, here.
 */
export function ownProps<T extends object>(value: T): T {
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(value))
    copy[key] = (value as Record<string, unknown>)[key];
  return copy as T;
}
