/**
 * Public JWKs to verification keys. The algorithm is pinned by the key itself (`kty`/`crv`), never
 * by the token: RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA. A JWK that is not a public
 * signature key of one of these kinds, or whose own `alg` disagrees, is ignored. Each key is
 * imported into WebCrypto once, on first use, and the `CryptoKey` kept.
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

// The length in bytes of an RSA modulus (leading zero bytes not counted), or -1.
function modulusBytes(n: unknown): number {
  const decoded = typeof n === 'string' ? decodeBase64url(n) : null;
  if (!decoded) return -1;
  let i = 0;
  while (decoded[i] === 0) i++;
  return decoded.length - i;
}

/**
 * Reads one JWK of a key set. Returns the verification key, or a short reason why the JWK is
 * ignored (for the debug log).
 */
export function keyFromJwk(input: unknown): VerificationKey | string {
  if (!isRecord(input)) return 'not an object';
  const {
    kid,
    use,
    key_ops: ops,
    kty,
    crv,
    n,
    e,
    x,
    y,
    alg: named,
  } = input as Record<string, unknown>;
  if (typeof kid !== 'string' || !kid) return 'no kid';
  if (use !== undefined && use !== 'sig') return 'use is not sig';
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify')))
    return 'key_ops lacks verify';

  // The public members only (private members, `alg`, `key_ops`… left out).
  let jwk: JsonWebKey;
  let alg: JwsAlgorithm = 'EdDSA';
  let signatureLength = 64;
  if (kty === 'RSA') {
    // The modulus has at least 2048 bits (256 bytes); the signature is as long as the modulus.
    alg = 'RS256';
    signatureLength = modulusBytes(n);
    if (signatureLength < 256 || !valid(e)) return 'RSA key malformed or under 2048 bits';
    jwk = { kty, n, e } as JsonWebKey;
  } else if (kty === 'EC' && crv === 'P-256') {
    // 32-byte coordinates: 43 characters of base64url.
    alg = 'ES256';
    if (!valid(x, 43) || !valid(y, 43)) return 'malformed P-256 key';
    jwk = { kty, crv, x, y } as JsonWebKey;
  } else if (kty === 'OKP' && crv === 'Ed25519') {
    if (!valid(x, 43)) return 'malformed Ed25519 key';
    jwk = { kty, crv, x } as JsonWebKey;
  } else {
    return 'unsupported key type';
  }
  // A key that names an algorithm other than the one its type pins is ambiguous: ignored.
  if (named !== undefined && named !== alg && !(alg === 'EdDSA' && named === 'Ed25519'))
    return "alg is not the key type's";
  return { kid, alg, fingerprint: JSON.stringify(jwk), signatureLength, jwk } as VerificationKey;
}

/**
 * Imports a key's material into WebCrypto, once. Resolves `null` when the material is rejected
 * (the key is then marked unusable). With `share`, concurrent callers await one import.
 */
export function importVerificationKey(
  k: VerificationKey,
  share: boolean,
): Promise<CryptoKey | null> {
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
    share,
  );
}

// Imports in progress, shared by concurrent callers where the runtime allows it.
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
