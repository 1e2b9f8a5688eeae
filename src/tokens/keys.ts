/**
 * Public JWKs to verification keys. The algorithm is pinned by the key itself (`kty`/`crv`), never
 * by the token: RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA. A JWK that is not a public
 * signature key of one of these kinds, or whose own `alg` disagrees, is ignored. Each key is
 * imported into WebCrypto once, on first use, and the `CryptoKey` kept.
 */
import { getCrypto } from '#crypto';
import { decodeBase64url } from '../util/base64url.js';
import type { JwsAlgorithm } from './jws.js';

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
  /** An import in progress, shared by concurrent callers where the runtime allows it. */
  pending: Promise<CryptoKey | null> | undefined;
  /** Set when the material could not be imported: the key never verifies anything. */
  unusable: boolean;
  /** Set when the key left the key set: tokens it signed are no longer accepted. */
  retired: boolean;
}

/** Smallest RSA modulus accepted, in bytes (2048 bits). */
const MIN_RSA_BYTES = 256;

// WebCrypto parameters per pinned algorithm. Plain data, created on first use.
let params: Record<JwsAlgorithm, { importAlg: RsaHashedImportParams | EcKeyImportParams | Algorithm; verifyAlg: Algorithm | EcdsaParams }> | undefined;

function algorithmParams(alg: JwsAlgorithm): { importAlg: RsaHashedImportParams | EcKeyImportParams | Algorithm; verifyAlg: Algorithm | EcdsaParams } {
  params ??= {
    RS256: { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyAlg: { name: 'RSASSA-PKCS1-v1_5' } },
    ES256: { importAlg: { name: 'ECDSA', namedCurve: 'P-256' }, verifyAlg: { name: 'ECDSA', hash: 'SHA-256' } },
    EdDSA: { importAlg: { name: 'Ed25519' }, verifyAlg: { name: 'Ed25519' } },
  };
  return params[alg];
}

let encoder: TextEncoder | undefined;
let subtle: SubtleCrypto | undefined;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function decodedLength(value: string | undefined): number {
  if (value === undefined) return -1;
  const bytes = decodeBase64url(value);
  return bytes === null ? -1 : bytes.length;
}

function rsaModulusBytes(n: string | undefined): number {
  if (n === undefined) return -1;
  const bytes = decodeBase64url(n);
  if (bytes === null) return -1;
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.length - i;
}

/**
 * Reads one JWK of a key set. Returns the verification key, or a short reason why the JWK is
 * ignored (for the debug log).
 */
export function keyFromJwk(input: unknown): VerificationKey | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'not an object';
  const jwk = input as Record<string, unknown>;
  const kid = str(jwk.kid);
  if (kid === undefined) return 'no kid';
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'not a signature key (use)';
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'not a verification key (key_ops)';

  let alg: JwsAlgorithm;
  let pub: JsonWebKey;
  let signatureLength: number;
  if (jwk.kty === 'RSA') {
    alg = 'RS256';
    const n = str(jwk.n), e = str(jwk.e);
    signatureLength = rsaModulusBytes(n);
    if (signatureLength < MIN_RSA_BYTES || decodedLength(e) < 1) return 'RSA key shorter than 2048 bits or malformed';
    pub = { kty: 'RSA', n: n!, e: e! };
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    alg = 'ES256';
    const x = str(jwk.x), y = str(jwk.y);
    if (decodedLength(x) !== 32 || decodedLength(y) !== 32) return 'malformed P-256 key';
    signatureLength = 64;
    pub = { kty: 'EC', crv: 'P-256', x: x!, y: y! };
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    alg = 'EdDSA';
    const x = str(jwk.x);
    if (decodedLength(x) !== 32) return 'malformed Ed25519 key';
    signatureLength = 64;
    pub = { kty: 'OKP', crv: 'Ed25519', x: x! };
  } else {
    return 'unsupported key type';
  }
  // A key that names an algorithm other than the one its type pins is ambiguous: ignored.
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) return 'alg disagrees with the key type';

  const fingerprint = pub.kty === 'RSA' ? `RSA.${pub.n}.${pub.e}` : pub.kty === 'EC' ? `EC.${pub.x}.${pub.y}` : `OKP.${pub.x}`;
  return { kid, alg, fingerprint, signatureLength, jwk: pub, key: undefined, pending: undefined, unusable: false, retired: false };
}

/**
 * Imports a key's material into WebCrypto, once. Resolves `null` when the material is rejected
 * (the key is then marked unusable). With `share`, concurrent callers await one import.
 */
export function importVerificationKey(k: VerificationKey, share: boolean): Promise<CryptoKey | null> {
  if (k.key) return Promise.resolve(k.key);
  if (k.unusable) return Promise.resolve(null);
  if (share && k.pending) return k.pending;
  const pending = importOnce(k);
  if (share) {
    k.pending = pending;
    void pending.then(() => {
      if (k.pending === pending) k.pending = undefined;
    });
  }
  return pending;
}

async function importOnce(k: VerificationKey): Promise<CryptoKey | null> {
  try {
    const key = await getCrypto().subtle.importKey('jwk', k.jwk, algorithmParams(k.alg).importAlg, false, ['verify']);
    if (!k.retired) k.key = key;
    return key;
  } catch {
    k.unusable = true;
    return null;
  }
}

/**
 * Checks a signature over the signing input with an imported key. Resolves the WebCrypto verdict
 * (the promise may reject on a runtime error: callers treat that as a bad signature); a signature
 * of the wrong length is refused without calling WebCrypto.
 */
export function verifySignature(k: VerificationKey, key: CryptoKey, signature: Uint8Array, signingInput: string): Promise<boolean> | false {
  if (signature.length !== k.signatureLength) return false;
  encoder ??= new TextEncoder();
  subtle ??= getCrypto().subtle;
  return subtle.verify(algorithmParams(k.alg).verifyAlg, key, signature as Uint8Array<ArrayBuffer>, encoder.encode(signingInput));
}
