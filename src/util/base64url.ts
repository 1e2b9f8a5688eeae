/**
 * Base64url (RFC 4648 §5, no padding) without `Buffer`, so it runs on every runtime; the one
 * implementation used by token verification and the emulator. Decoding is strict: padding,
 * whitespace, a character outside the url-safe alphabet, an impossible length or non-canonical
 * trailing bits yield `null` rather than a best-effort guess, because token parsing must not be
 * lenient. The decoders check the alphabet with one native regular expression and let the
 * runtime's `atob` do the work: several times faster than a byte loop on the verification path.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** Encodes a UTF-8 string as base64url. */
export function encodeBase64urlText(text: string): string {
  return encodeBase64url(encoder.encode(text));
}

const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/;
const NON_ASCII = /[\x80-\xff]/;
const DASH = /-/g;
const UNDERSCORE = /_/g;

let utf8: TextDecoder | undefined;

// The 6-bit value of a base64url character already known to be in the alphabet.
function sixBits(c: number): number {
  if (c >= 97) return c - 71; // a-z → 26..51
  if (c >= 65) return c - 65; // A-Z → 0..25
  if (c >= 48) return c + 4; // 0-9 → 52..61
  return c === 45 ? 62 : 63; // '-' / '_'
}

/** Decodes strict base64url into a binary string (one char per byte), or `null`. */
export function decodeBase64urlBinary(text: string): string | null {
  const len = text.length;
  const rest = len & 3;
  if (rest === 1 || !ALPHABET_ONLY.test(text)) return null;
  // The unused low bits of the last character must be zero (one canonical encoding per value).
  if (rest !== 0 && (sixBits(text.charCodeAt(len - 1)) & (rest === 2 ? 15 : 3)) !== 0) return null;
  let std = text.replace(DASH, '+').replace(UNDERSCORE, '/');
  if (rest === 2) std += '==';
  else if (rest === 3) std += '=';
  try {
    return atob(std);
  } catch {
    return null;
  }
}

/** Decodes strict base64url into bytes, or `null`. */
export function decodeBase64url(text: string): Uint8Array | null {
  const binary = decodeBase64urlBinary(text);
  if (binary === null) return null;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decodes strict base64url holding UTF-8 text, or `null` (bad encoding or invalid UTF-8). */
export function decodeBase64urlText(text: string): string | null {
  const binary = decodeBase64urlBinary(text);
  if (binary === null) return null;
  if (!NON_ASCII.test(binary)) return binary; // ASCII: the binary string is the text
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  utf8 ??= new TextDecoder('utf-8', { fatal: true });
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}
