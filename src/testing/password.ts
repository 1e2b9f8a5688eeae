/** Password hashing (PBKDF2-SHA256 with a per-user salt) and constant-time comparison. */
import { getCrypto } from '#crypto';
import { randomBytes } from './random.js';

/** A stored password hash. */
export interface PasswordHash {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly hash: Uint8Array;
}

const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const subtle = getCrypto().subtle;
  const key = await subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** Hashes a password with a fresh 16-byte salt. */
export async function hashPassword(password: string, iterations: number): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, iterations, hash: await derive(password, salt, iterations) };
}

/**
 * Checks a password against a hash. With no stored hash (unknown user, passwordless user) it
 * still derives once against a dummy salt, so the answer takes about as long either way.
 */
export async function verifyPassword(
  password: string,
  stored: PasswordHash | undefined,
  iterations: number,
): Promise<boolean> {
  if (!stored) {
    await derive(password, DUMMY_SALT, iterations);
    return false;
  }
  const candidate = await derive(password, stored.salt, stored.iterations);
  return constantTimeEqual(candidate, stored.hash);
}

const DUMMY_SALT = new Uint8Array(16);

/** Compares two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqualText(a: string, b: string): boolean {
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}
