/**
 * Base64url (RFC 4648 §5, no padding) without `Buffer`, so it runs on every runtime.
 * Decoding is strict: a character outside the alphabet, padding, or an impossible length
 * yields `null` instead of a best-effort guess, because token parsing must not be lenient.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Lookup table built on first use, not at module load (cold start matters on the edge).
let decodeTable: Int16Array | undefined;

function table(): Int16Array {
  if (decodeTable) return decodeTable;
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  decodeTable = t;
  return t;
}

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

/** Decodes strict base64url (no padding, no whitespace). Returns `null` on any malformation. */
export function decodeBase64url(text: string): Uint8Array | null {
  const len = text.length;
  if (len % 4 === 1) return null;
  const t = table();
  const out = new Uint8Array((len * 3) >>> 2);
  let o = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const a = lookup(t, text, i), b = lookup(t, text, i + 1), c = lookup(t, text, i + 2), d = lookup(t, text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = len - i;
  if (rest === 2) {
    const a = lookup(t, text, i), b = lookup(t, text, i + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return null; // non-canonical trailing bits
    out[o++] = (a << 2) | (b >>> 4);
  } else if (rest === 3) {
    const a = lookup(t, text, i), b = lookup(t, text, i + 1), c = lookup(t, text, i + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
  }
  return out;
}

function lookup(t: Int16Array, s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? t[c]! : -1;
}

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** Encodes a UTF-8 string as base64url. */
export function encodeBase64urlText(text: string): string {
  return encodeBase64url(encoder.encode(text));
}

/** Decodes base64url into a UTF-8 string; `null` if either step fails. */
export function decodeBase64urlText(text: string): string | null {
  const bytes = decodeBase64url(text);
  if (!bytes) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}
