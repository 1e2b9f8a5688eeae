/**
 * Base64url (RFC 4648 §5, no padding) without `Buffer`, so it runs on every runtime; the one
 * implementation used by token verification and the emulator. Decoding is strict: padding,
 * whitespace, a character outside the url-safe alphabet, an impossible length or non-canonical
 * trailing bits yield `null` rather than a best-effort guess, because token parsing must not be
 * lenient (a token's signed payload excepted: see {@link decodeBase64urlText}).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      ALPHABET[n >>> 18]! +
      ALPHABET[(n >>> 12) & 63]! +
      ALPHABET[(n >>> 6) & 63]! +
      ALPHABET[n & 63]!;
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

// Created on first use, not at import (nothing is done at module scope).
let encoder: TextEncoder | undefined;
let utf8: TextDecoder | undefined;

function textEncoder(): TextEncoder {
  if (!encoder) encoder = new TextEncoder();
  return encoder;
}

/** Encodes a UTF-8 string as base64url. */
export function encodeBase64urlText(text: string): string {
  return encodeBase64url(textEncoder().encode(text));
}

// 6-bit values of the alphabet's characters by code; 64 marks every other ASCII character.
let sextets: Uint8Array | undefined;

/**
 * Decodes strict base64url into bytes, or `null`. One table-driven pass over the characters:
 * cheaper than mapping the alphabet to standard base64 for `atob` and copying its binary string.
 */
export function decodeBase64url(text: string): Uint8Array | null {
  const len = text.length;
  if (!sextets) {
    sextets = new Uint8Array(128).fill(64);
    for (let i = 0; i < 64; i++) sextets[ALPHABET.charCodeAt(i)] = i;
  }
  const out = new Uint8Array((len * 3) >> 2);
  // Collects the 64 of any character outside the alphabet; a length of 4n + 1 is impossible.
  let bad = (len & 3) === 1 ? 64 : 0;
  let bits = 0;
  for (let i = 0, o = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? sextets[c]! : 64;
    bad |= v;
    bits = ((bits << 6) | v) & 0xffffff;
    // The 2nd, 3rd and 4th character of each group of four complete a byte.
    if (i & 3) out[o++] = bits >> (6 - 2 * (i & 3));
  }
  // The unused low bits of the last character must be zero: one encoding per value.
  return bad & 64 || bits & ((1 << ((6 - 2 * ((len - 1) & 3)) % 6)) - 1) ? null : out;
}

const DASH = /-/g;
const UNDERSCORE = /_/g;

let scratch: Uint8Array | undefined;

/**
 * Decodes base64url holding UTF-8 text, or `null` (bad encoding or invalid UTF-8). Strict like
 * {@link decodeBase64url} unless `signed`: a segment whose exact text a verified signature covers
 * can only be what its signer wrote, so it goes straight to the runtime's `atob` (several times
 * faster on large segments): padding and whitespace are still refused, but not the standard
 * alphabet's `+` and `/` or non-canonical trailing bits (no one but the signer can spell it).
 */
export function decodeBase64urlText(text: string, signed?: boolean): string | null {
  if (!signed && !decodeBase64url(text)) return null;
  let binary: string;
  try {
    // `atob` takes base64 without its padding.
    binary = atob(text.replace(DASH, '+').replace(UNDERSCORE, '/'));
  } catch {
    return null;
  }
  const len = binary.length;
  // Padding or whitespace leaves fewer bytes than the length promises (and 4n + 1 is refused).
  if ((text.length & 3) === 1 || len !== (text.length * 3) >> 2) return null;
  // ASCII (the usual case) is its own UTF-8. `encodeInto` tells, far faster than a regular
  // expression over the string: it reads every character into as many bytes only then.
  if (!scratch || scratch.length < len) scratch = new Uint8Array(len);
  const { read, written } = textEncoder().encodeInto(binary, scratch);
  if (read === len && written === len) return binary;
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = binary.charCodeAt(i);
  try {
    if (!utf8) utf8 = new TextDecoder('utf-8', { fatal: true });
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}
