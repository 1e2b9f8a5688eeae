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

let encoder: TextEncoder | undefined;

/** Encodes a UTF-8 string as base64url. */
export function encodeBase64urlText(text: string): string {
  return encodeBase64url((encoder ??= new TextEncoder()).encode(text));
}

// 6-bit values of the alphabet's characters by code; 64 marks every other ASCII character.
let sextets: Uint8Array | undefined;

/**
 * Decodes strict base64url into bytes, or `null`. One table-driven pass over the characters:
 * cheaper than mapping the alphabet to standard base64 for `atob` and copying its binary string.
 */
export function decodeBase64url(text: string): Uint8Array | null {
  const len = text.length;
  const rest = len & 3;
  if (rest === 1) return null;
  if (!sextets) {
    sextets = new Uint8Array(128).fill(64);
    for (let i = 0; i < 64; i++) sextets[ALPHABET.charCodeAt(i)] = i;
  }
  const t = sextets;
  const out = new Uint8Array((len * 3) >> 2);
  const end = len - rest;
  let bad = 0;
  let i = 0;
  let o = 0;
  for (; i < end; i += 4) {
    const ca = text.charCodeAt(i), cb = text.charCodeAt(i + 1), cc = text.charCodeAt(i + 2), cd = text.charCodeAt(i + 3);
    if ((ca | cb | cc | cd) > 127) return null;
    const a = t[ca]!, b = t[cb]!, c = t[cc]!, d = t[cd]!;
    bad |= a | b | c | d;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = (b << 4) | (c >> 2);
    out[o++] = (c << 6) | d;
  }
  if (rest) {
    // The last 2 or 3 characters; the unused low bits of the last one must be zero (one encoding
    // per value).
    const ca = text.charCodeAt(i), cb = text.charCodeAt(i + 1), cc = rest === 3 ? text.charCodeAt(i + 2) : 65;
    if ((ca | cb | cc) > 127) return null;
    const a = t[ca]!, b = t[cb]!, c = t[cc]!;
    bad |= a | b | c | ((rest === 2 ? b & 15 : c & 3) && 64);
    out[o] = (a << 2) | (b >> 4);
    if (rest === 3) out[o + 1] = (b << 4) | (c >> 2);
  }
  return bad & 64 ? null : out;
}

const DASH = /-/g;
const UNDERSCORE = /_/g;

let utf8: TextDecoder | undefined;
let scratch = new Uint8Array(0);

// UTF-8 bytes to text, or `null` when they are not UTF-8.
function utf8Text(bytes: Uint8Array): string | null {
  utf8 ??= new TextDecoder('utf-8', { fatal: true });
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Decodes base64url holding UTF-8 text, or `null` (bad encoding or invalid UTF-8). Strict like
 * {@link decodeBase64url} unless `signed`: a segment whose exact text a verified signature covers
 * can only be what its signer wrote, so it goes straight to the runtime's `atob` (several times
 * faster on large segments), refusing only what `atob` refuses, padding and whitespace.
 */
export function decodeBase64urlText(text: string, signed?: boolean): string | null {
  if (!signed) {
    const bytes = decodeBase64url(text);
    return bytes && utf8Text(bytes);
  }
  const rest = text.length & 3;
  if (rest === 1) return null;
  let binary: string;
  try {
    binary = atob(text.replace(DASH, '+').replace(UNDERSCORE, '/') + (rest === 2 ? '==' : rest === 3 ? '=' : ''));
  } catch {
    return null;
  }
  // Padding or whitespace in the text leaves fewer bytes than its length promises.
  if (binary.length !== (text.length * 3) >> 2) return null;
  // ASCII (the usual case) is its own UTF-8. `encodeInto` tells, far faster than a regular
  // expression over the string: it reads every character into as many bytes only then.
  const len = binary.length;
  if (scratch.length < len) scratch = new Uint8Array(len);
  const { read, written } = (encoder ??= new TextEncoder()).encodeInto(binary, scratch);
  if (read === len && written === len) return binary;
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = binary.charCodeAt(i);
  return utf8Text(bytes);
}
