/** Random identifiers, tokens and codes for the emulator, from WebCrypto. */
import { getCrypto } from '#crypto';
import { encodeBase64url } from '../util/base64url.js';

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  getCrypto().getRandomValues(out);
  return out;
}

/** `length` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias). */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A prefixed identifier such as `usr_k3j9…` (lowercase letters and digits). */
export function randomId(prefix: string, length = 16): string {
  return prefix + randomString(ID_ALPHABET, length);
}

/** A prefixed opaque secret: `prefix` + base64url of `bytes` random bytes. */
export function randomToken(prefix: string, bytes = 32): string {
  return prefix + encodeBase64url(randomBytes(bytes));
}

/** A numeric code of `length` digits (leading zeros kept). */
export function randomDigits(length: number): string {
  return randomString('0123456789', length);
}
