/** RFC 4648 base32 and RFC 4226 / RFC 6238 one-time passwords (HMAC-SHA1), on WebCrypto. */
import { getCrypto } from '#crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Encodes bytes as base32 without padding (the form authenticator apps expect in a URI). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
  }
  if (bits > 0) out += B32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case-insensitive, spaces and `=` padding ignored). `null` on a bad character. */
export function base32Decode(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** HOTP (RFC 4226): the `digits`-digit code for a counter. */
export async function hotp(secret: Uint8Array, counter: number, digits = 6): Promise<string> {
  const subtle = getCrypto().subtle;
  const key = await subtle.importKey(
    'raw',
    secret as BufferSource,
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const msg = new Uint8Array(8);
  let c = counter;
  for (let i = 7; i >= 0; i--) {
    msg[i] = c & 0xff;
    c = Math.floor(c / 256);
  }
  const mac = new Uint8Array(await subtle.sign('HMAC', key, msg));
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin =
    ((mac[offset]! & 0x7f) << 24) |
    (mac[offset + 1]! << 16) |
    (mac[offset + 2]! << 8) |
    mac[offset + 3]!;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** Options of {@link totp}. */
export interface TotpOptions {
  /** Step length in seconds (default 30). */
  period?: number;
  /** Code length (default 6). */
  digits?: number;
}

/**
 * The RFC 6238 TOTP code for a base32 secret at a time (ms since the epoch; default now).
 * Pass `emulator.clock.now()` to get the code the emulator expects.
 *
 * @example
 * const secret = new URL(enroll.totp_uri).searchParams.get('secret')!;
 * const code = await totp(secret, emulator.clock.now());
 */
export async function totp(
  secret: string,
  time: number = Date.now(),
  options: TotpOptions = {},
): Promise<string> {
  const key = base32Decode(secret);
  if (!key || key.length === 0) throw new TypeError('totp: the secret is not valid base32');
  const period = options.period ?? 30;
  return hotp(key, Math.floor(time / 1000 / period), options.digits ?? 6);
}

/** The time step (counter) of a time in ms, for a 30-second period. */
export function totpStep(time: number, period = 30): number {
  return Math.floor(time / 1000 / period);
}
