/**
 * Limits shared by the client's local checks and the emulator's validation, so that what the
 * SDK lets through is exactly what the emulator accepts.
 */

/**
 * Largest user metadata object: 8 KiB of UTF-8 JSON (bytes, not characters). Its top-level keys
 * become claims of the user's access tokens, so this bounds the tokens too: the largest metadata
 * still makes a token within {@link TOKEN_MAX_LENGTH}.
 */
export const METADATA_MAX_BYTES = 8192;
/**
 * Longest access token, in characters: the default `maxTokenLength` of `verifyToken`, the longest
 * token the client sends, and the longest the emulator reads.
 */
export const TOKEN_MAX_LENGTH = 16_384;
/** Deepest nesting allowed inside user metadata. */
export const METADATA_MAX_DEPTH = 32;

/** The UTF-8 length of a value serialised as JSON (throws for what JSON cannot serialise). */
export function jsonByteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}
