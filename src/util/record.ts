/** What the SDK, the emulator and the contract call a JSON object. */

/**
 * True for an object that is neither `null` nor an array (a parsed JSON object, an options bag).
 */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
