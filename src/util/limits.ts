/**
 * Limits shared by the client's local checks and the emulator's validation, so that what the
 * SDK lets through is exactly what the emulator accepts.
 */

/** Largest user metadata object, as serialised JSON (characters). */
export const METADATA_MAX_BYTES = 16_384;
/** Deepest nesting allowed inside user metadata. */
export const METADATA_MAX_DEPTH = 32;
