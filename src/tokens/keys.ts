/**
 * Public JWKs to verification keys. The algorithm is pinned by the key itself (`kty`/`crv`), never
 * by the token: RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA. A JWK that is not a public
 * signature key of one of these kinds, or whose own `alg` disagrees, is ignored, and so is a key
 * weaker than jose accepts: an RSA modulus under 2048 bits, an RSA exponent that is even or under
 * 3, an Ed25519 point of small order (a P-256 point off the curve fails WebCrypto's import). A key
 * set holding a private key is refused whole ({@link jwksProblem}). Each key is imported into
 * WebCrypto once, on first use, and the `CryptoKey` kept.
 */
import { getCrypto } from '#crypto';
import { decodeBase64url } from '../util/base64url.js';
import type { JwsAlgorithm } from './jws.js';
import { shareInFlight } from '../runtime/in-flight.js';
import { isRecord } from '../util/record.js';

/** A key of the key set, with its pinned algorithm and (once imported) its `CryptoKey`. */
export interface VerificationKey {
  /** Key id, as published. */
  readonly kid: string;
  /** The one algorithm this key verifies. */
  readonly alg: JwsAlgorithm;
  /** Canonical text of the public key material, to tell a re-published key from a new one. */
  readonly fingerprint: string;
  /** Signature length in bytes this key produces. */
  readonly signatureLength: number;
  /** The public members only (private members, `alg`, `key_ops`… left out). */
  readonly jwk: JsonWebKey;
  /** The imported key, once imported. */
  key: CryptoKey | undefined;
  /** Set when the material could not be imported: the key never verifies anything. */
  unusable: boolean;
  /** Set when the key left the key set: tokens it signed are no longer accepted. */
  retired: boolean;
}

// WebCrypto parameters per pinned algorithm, for both importKey and verify (each ignores the
// members it does not use).
const PARAMS: Record<
  JwsAlgorithm,
  RsaHashedImportParams | (EcKeyImportParams & EcdsaParams) | Algorithm
> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

let encoder: TextEncoder | undefined;
let subtle: SubtleCrypto | undefined;

// Whether a member is non-empty strict base64url (of `length` characters, when given).
const valid = (value: unknown, length?: number): boolean =>
  typeof value === 'string' &&
  !!value &&
  (length ?? value.length) === value.length &&
  decodeBase64url(value) !== null;

// A big-endian base64url member without its leading zero bytes (`null` when malformed or empty).
function unsigned(value: unknown): Uint8Array | null {
  const bytes = typeof value === 'string' && value ? decodeBase64url(value) : null;
  let i = 0;
  while (bytes?.[i] === 0) i++;
  return bytes && bytes.length > i ? bytes.subarray(i) : null;
}

// The signature length in bytes of an RSA key (the modulus length), or why it is refused. The
// modulus is counted in bits: a 2041-bit modulus still fills 256 bytes. The exponent must be odd
// and at least 3: with e = 1 a "signature" is the padded message itself, which anyone can make.
function rsaSignatureLength(n: unknown, e: unknown): number | string {
  const modulus = unsigned(n);
  const exponent = unsigned(e);
  if (!modulus || !exponent) return 'malformed RSA key';
  if ((modulus.length - 1) * 8 + 32 - Math.clz32(modulus[0]!) < 2048)
    return 'RSA modulus under 2048 bits';
  const last = exponent[exponent.length - 1]!;
  if (!(last & 1) || (exponent.length === 1 && last < 3))
    return 'RSA exponent not an odd number of at least 3';
  return modulus.length;
}

// The y-coordinates (sign bit cleared) of Ed25519's eight points of small order and of their
// non-canonical encodings, as libsodium blocks them: 0, 1, the two of order 8, p - 1, p, p + 1.
// WebCrypto imports such a key, and then verifies a signature forged for any message.
const SMALL_ORDER =
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ' +
  'JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o ' +
  '7P_______________________________________38 7f_______________________________________38 ' +
  '7v_______________________________________38';

// Whether an Ed25519 public key (32 bytes, base64url) is one of the small-order points.
function smallOrder(x: string): boolean {
  const bytes = decodeBase64url(x)!;
  bytes[31]! &= 0x7f;
  return SMALL_ORDER.split(' ').some((y) => decodeBase64url(y)!.every((b, i) => b === bytes[i]));
}

// Members only a private or secret key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// The first private member a JWK carries, if any.
const privateMember = (jwk: object): string | undefined =>
  PRIVATE_MEMBERS.find((name) => Object.hasOwn(jwk, name));

/**
 * Why a whole key set must be refused, or `null` when it may be used. A key that carries private
 * members (`d`, `p`, `k`…) means the publisher leaks its signing secrets, or is not the key set it
 * claims to be: none of its keys is trusted, and the set is never stored. The reason names the
 * member, never its value.
 */
export function jwksProblem(keys: readonly unknown[]): string | null {
  for (const jwk of keys) {
    const member = isRecord(jwk) ? privateMember(jwk) : undefined;
    if (member)
      return `a key carries the private member "${member}": a JWKS holds public keys only`;
  }
  return null;
}

// The public members of a key, its pinned algorithm and signature length, or why it is refused.
function publicPart(
  jwk: Record<string, unknown>,
): { jwk: JsonWebKey; alg: JwsAlgorithm; signatureLength: number } | string {
  const { kty, crv, n, e, x, y } = jwk;
  if (kty === 'RSA') {
    const signatureLength = rsaSignatureLength(n, e);
    if (typeof signatureLength === 'string') return signatureLength;
    return { jwk: { kty, n, e } as JsonWebKey, alg: 'RS256', signatureLength };
  }
  if (kty === 'EC' && crv === 'P-256') {
    // 32-byte coordinates: 43 characters of base64url. A point not on the curve (the point at
    // infinity has no coordinates to give) is refused by WebCrypto's import: the key is unusable.
    if (!valid(x, 43) || !valid(y, 43)) return 'malformed P-256 key';
    return { jwk: { kty, crv, x, y } as JsonWebKey, alg: 'ES256', signatureLength: 64 };
  }
  if (kty === 'OKP' && crv === 'Ed25519') {
    if (!valid(x, 43)) return 'malformed Ed25519 key';
    if (smallOrder(x as string)) return 'Ed25519 key of small order';
    return { jwk: { kty, crv, x } as JsonWebKey, alg: 'EdDSA', signatureLength: 64 };
  }
  return 'unsupported key type';
}

/**
 * Reads one JWK of a key set. Returns the verification key, or a short reason why the JWK is
 * ignored (for the debug log): not a public signature key of a supported kind, a key that carries
 * private members (see {@link jwksProblem}: the whole set is then refused), an RSA modulus under
 * 2048 bits or an exponent that is even or under 3, an Ed25519 key of small order, an `alg`
 * other than the one its type pins.
 */
export function keyFromJwk(input: unknown): VerificationKey | string {
  if (!isRecord(input)) return 'not an object';
  // First: whatever else is wrong with it, a published private key is the finding to report.
  const member = privateMember(input);
  if (member) return `carries the private member ${member}`;
  const { kid, use, key_ops: ops, alg: named } = input;
  if (typeof kid !== 'string' || !kid) return 'no kid';
  if (use !== undefined && use !== 'sig') return 'use is not sig';
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify')))
    return 'key_ops lacks verify';
  const part = publicPart(input);
  if (typeof part === 'string') return part;
  const { jwk, alg, signatureLength } = part;
  // A key that names an algorithm other than the one its type pins is ambiguous: ignored.
  if (named !== undefined && named !== alg && !(alg === 'EdDSA' && named === 'Ed25519'))
    return "alg is not the key type's";
  return { kid, alg, fingerprint: JSON.stringify(jwk), signatureLength, jwk } as VerificationKey;
}

/**
 * Imports a key's material into WebCrypto, once. Resolves `null` when the material is rejected
 * (the key is then marked unusable). Concurrent callers await one import (on Workers, one
 * started by another request for {@link IMPORT_BUDGET_MS} at most).
 */
export function importVerificationKey(k: VerificationKey): Promise<CryptoKey | null> {
  if (k.key || k.unusable) return Promise.resolve(k.key ?? null);
  return shareInFlight(
    imports,
    k,
    async () => {
      try {
        const key = await getCrypto().subtle.importKey('jwk', k.jwk, PARAMS[k.alg], false, [
          'verify',
        ]);
        if (!k.retired) k.key = key;
        return key;
      } catch {
        k.unusable = true;
        return null;
      }
    },
    undefined,
    IMPORT_BUDGET_MS,
  );
}

/**
 * How long a call waits for an import another request started before importing itself (Workers
 * only): an import does no I/O and takes milliseconds, so one still pending after a second belongs
 * to a request that has ended.
 */
export const IMPORT_BUDGET_MS = 1000;

// Imports in progress, shared by concurrent callers.
const imports = new Map<unknown, Promise<CryptoKey | null>>();

/**
 * Checks a signature over the signing input with an imported key. Resolves the WebCrypto verdict
 * (the promise may reject on a runtime error: callers treat that as a bad signature); a signature
 * of the wrong length is refused without calling WebCrypto.
 */
export function verifySignature(
  k: VerificationKey,
  key: CryptoKey,
  signature: Uint8Array,
  signingInput: string,
): Promise<boolean> | false {
  if (signature.length !== k.signatureLength) return false;
  encoder ??= new TextEncoder();
  subtle ??= getCrypto().subtle;
  return subtle.verify(
    PARAMS[k.alg],
    key,
    signature as Uint8Array<ArrayBuffer>,
    encoder.encode(signingInput),
  );
}
