/**
 * The emulator's signing keys: generated lazily, rotated on request, published as a JWKS.
 * A retired key stays published until every token it signed has expired (emulator clock).
 */
import { getCrypto } from '#crypto';
import {
  decodeBase64url,
  decodeBase64urlText,
  encodeBase64url,
  encodeBase64urlText,
} from '../util/base64url.js';
import { isRecord } from '../util/record.js';
import { TOKEN_MAX_LENGTH } from '../util/limits.js';
import type { EmulatorClock } from './clock.js';
import { randomId } from './random.js';

/** Algorithms the emulator can sign with. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** A public key as published in the JWKS. */
export interface PublicJwk {
  /** Key type. */
  readonly kty: 'RSA' | 'EC' | 'OKP';
  /** Key id, as in the tokens' `kid` header. */
  readonly kid: string;
  /** The one algorithm this key signs with. */
  readonly alg: SigningAlgorithm;
  /** Always `sig`. */
  readonly use: 'sig';
  /** RSA modulus (base64url). */
  readonly n?: string;
  /** RSA exponent (base64url). */
  readonly e?: string;
  /** Curve: `P-256` or `Ed25519`. */
  readonly crv?: string;
  /** Curve x coordinate / Ed25519 public key (base64url). */
  readonly x?: string;
  /** Curve y coordinate (base64url). */
  readonly y?: string;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: PublicJwk;
  /** Latest `exp` (seconds) of a token it signed; `Infinity` if it signed one without `exp`. */
  maxExp: number;
  retired: boolean;
}

/** A decoded, signature-checked JWT. */
export interface VerifiedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly kid: string;
}

const ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/** True for an algorithm the emulator can sign with. */
export function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === 'string' && (ALGORITHMS as readonly string[]).includes(alg);
}

function generateParams(alg: SigningAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  switch (alg) {
    case 'RS256':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'EdDSA':
      return { name: 'Ed25519' };
  }
}

function signParams(alg: SigningAlgorithm): Algorithm | EcdsaParams {
  switch (alg) {
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'ES256':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'EdDSA':
      return { name: 'Ed25519' };
  }
}

async function generateKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const subtle = getCrypto().subtle;
  const pair = (await subtle.generateKey(generateParams(alg), true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = (await subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  const kid = randomId('key_', 12);
  let jwk: PublicJwk;
  if (alg === 'RS256') jwk = { kty: 'RSA', kid, alg, use: 'sig', n: raw.n!, e: raw.e! };
  else if (alg === 'ES256')
    jwk = { kty: 'EC', kid, alg, use: 'sig', crv: 'P-256', x: raw.x!, y: raw.y! };
  else jwk = { kty: 'OKP', kid, alg, use: 'sig', crv: 'Ed25519', x: raw.x! };
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwk,
    maxExp: 0,
    retired: false,
  };
}

const encoder = new TextEncoder();

/** The emulator's key ring. */
export class KeyRing {
  private readonly keys: SigningKey[] = [];
  private currentKey: Promise<SigningKey> | undefined;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly firstAlg: SigningAlgorithm,
  ) {}

  /** The current signing key, generated on first use. */
  current(): Promise<SigningKey> {
    if (!this.currentKey) {
      this.currentKey = generateKey(this.firstAlg).then((k) => {
        this.keys.push(k);
        return k;
      });
      this.currentKey.catch(() => {
        this.currentKey = undefined;
      });
    }
    return this.currentKey;
  }

  /** Makes a new key current; the previous one is retired (published until its tokens expire). */
  async rotate(alg?: SigningAlgorithm): Promise<{ kid: string; alg: SigningAlgorithm }> {
    const chosen = alg ?? (this.currentKey ? (await this.currentKey).alg : this.firstAlg);
    if (!isSigningAlgorithm(chosen))
      throw new TypeError(`rotateKeys: unsupported algorithm ${String(chosen)}`);
    const previous = this.currentKey ? await this.currentKey : undefined;
    const next = await generateKey(chosen);
    this.keys.push(next);
    if (previous) previous.retired = true;
    this.currentKey = Promise.resolve(next);
    return { kid: next.kid, alg: next.alg };
  }

  /** The published keys: the current one plus retired ones with unexpired tokens. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.current();
    const nowSec = Math.floor(this.clock.now() / 1000);
    return {
      keys: this.keys.filter((k) => !k.retired || k.maxExp > nowSec).map((k) => ({ ...k.jwk })),
    };
  }

  /**
   * Signs a JWT with the current key. `header` entries override the defaults (`alg`, `kid`, `typ`).
   */
  async sign(
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const key = await this.current();
    const h = { alg: key.alg, kid: key.kid, typ: 'JWT', ...header };
    const exp = payload['exp'];
    key.maxExp = Math.max(
      key.maxExp,
      typeof exp === 'number' && Number.isFinite(exp) ? exp : Infinity,
    );
    const input = `${encodeBase64urlText(JSON.stringify(h))}.${encodeBase64urlText(JSON.stringify(payload))}`;
    const sig = await getCrypto().subtle.sign(
      signParams(key.alg),
      key.privateKey,
      encoder.encode(input),
    );
    return `${input}.${encodeBase64url(new Uint8Array(sig))}`;
  }

  /**
   * Decodes a compact JWS and checks its signature with the key named by `kid`, requiring the
   * header `alg` to be that key's algorithm. `null` when malformed, unknown or badly signed.
   */
  async verify(token: string): Promise<VerifiedJwt | null> {
    if (token.length > TOKEN_MAX_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [h, p, s] = parts as [string, string, string];
    const headerText = decodeBase64urlText(h);
    const payloadText = decodeBase64urlText(p);
    const sig = decodeBase64url(s);
    if (headerText === null || payloadText === null || sig === null) return null;
    let header: unknown;
    let payload: unknown;
    try {
      header = JSON.parse(headerText);
      payload = JSON.parse(payloadText);
    } catch {
      return null;
    }
    if (!isRecord(header) || !isRecord(payload)) return null;
    const kid = header['kid'];
    if (typeof kid !== 'string') return null;
    await this.current();
    const key = this.keys.find((k) => k.kid === kid);
    if (!key || header['alg'] !== key.alg) return null;
    const ok = await getCrypto().subtle.verify(
      signParams(key.alg),
      key.publicKey,
      sig as BufferSource,
      encoder.encode(`${h}.${p}`),
    );
    return ok ? { header, payload, kid } : null;
  }
}
