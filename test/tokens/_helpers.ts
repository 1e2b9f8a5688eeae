/**
 * Test fixtures for the token verifier that need no emulator: signing keys made with WebCrypto,
 * a hand-rolled signer (so that attack tokens can carry any header), and a fake Protekt `send`
 * that serves a JWKS and answers the revocation check, counting every request.
 */
import { ProtektError } from '../../src/errors/protekt-error.js';
import type { ApiRequest, ApiResponse } from '../../src/http/types.js';
import type { ReturnedErrorCode } from '../../src/types.js';
import {
  createTokenVerifier,
  type TokenOptions,
  type TokenVerifier,
} from '../../src/tokens/index.js';
import { encodeBase64url, encodeBase64urlText } from '../../src/util/base64url.js';
import { webCrypto } from '../support/web.js';

export type Alg = 'RS256' | 'ES256' | 'EdDSA';

export const ISSUER = 'https://auth.protekt.test';
export const AUDIENCE = 'lp_project_a';
export const JWKS_URL = `${ISSUER}/v1/.well-known/jwks.json`;

/** A signing key and its public JWK. */
export interface TestKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JsonWebKey & { kid: string };
}

let kidCounter = 0;

function genParams(alg: Alg): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  if (alg === 'RS256')
    return {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
  if (alg === 'ES256') return { name: 'ECDSA', namedCurve: 'P-256' };
  return { name: 'Ed25519' };
}

function signParams(alg: Alg): Algorithm | EcdsaParams {
  if (alg === 'RS256') return { name: 'RSASSA-PKCS1-v1_5' };
  if (alg === 'ES256') return { name: 'ECDSA', hash: 'SHA-256' };
  return { name: 'Ed25519' };
}

/** Generates a key pair; `kid` defaults to a fresh one. */
export async function makeKey(alg: Alg = 'RS256', kid?: string): Promise<TestKey> {
  const pair = (await webCrypto().subtle.generateKey(genParams(alg), true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const exported = (await webCrypto().subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  const id = kid ?? `key_${++kidCounter}_${alg}`;
  const jwk: JsonWebKey & { kid: string } = {
    kty: exported.kty!,
    kid: id,
    use: 'sig',
    alg,
  } as JsonWebKey & { kid: string };
  if (exported.n) Object.assign(jwk, { n: exported.n, e: exported.e });
  if (exported.crv) Object.assign(jwk, { crv: exported.crv, x: exported.x });
  if (exported.y) Object.assign(jwk, { y: exported.y });
  return { kid: id, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/** Signs `header.payload` with a key, returning the compact JWS. Any header goes. */
export async function signRaw(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  key: TestKey,
): Promise<string> {
  const h = encodeBase64urlText(JSON.stringify(header));
  const p = typeof payload === 'string' ? payload : encodeBase64urlText(JSON.stringify(payload));
  const input = `${h}.${p}`;
  const sig = new Uint8Array(
    await webCrypto().subtle.sign(
      signParams(key.alg),
      key.privateKey,
      new TextEncoder().encode(input),
    ),
  );
  return `${input}.${encodeBase64url(sig)}`;
}

/** A mutable clock (ms). */
export class Clock {
  constructor(public t = Date.UTC(2030, 0, 1, 12, 0, 0)) {}
  now = (): number => this.t;
  get seconds(): number {
    return Math.floor(this.t / 1000);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

/** Standard claims of a valid access token at `clock`. */
export function claimsAt(
  clock: Clock,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'usr_9klabc',
    aud: [AUDIENCE, 'proj_a'],
    email: 'ada@example.com',
    email_verified: true,
    project_id: 'proj_a',
    iat: clock.seconds,
    exp: clock.seconds + 3600,
    jti: `tok_${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}

type Outage = ProtektError | 'http404' | 'garbage' | null;

/**
 * A stand-in for the client's transport: serves the JWKS of `keys` and the revocation check.
 * `jwksOutage` / `verifyOutage` make those throw (or misanswer) like the real transport would.
 */
export class FakeProtekt {
  keys: TestKey[] = [];
  revoked = new Set<string>();
  cacheControl: string | null = 'public, max-age=600';
  jwksOutage: Outage = null;
  verifyOutage: ProtektError | { status: number; code: string } | null = null;
  requests: { method: string; path: string }[] = [];
  /** Resolves pending JWKS answers only when set to false (to hold fetches in flight). */
  jwksDelay = 0;

  constructor(readonly clock: Clock) {}

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  get jwksFetches(): number {
    return this.count('/.well-known/jwks.json');
  }

  get verifyCalls(): number {
    return this.count('/auth/token/verify');
  }

  send = async (req: ApiRequest): Promise<ApiResponse> => {
    this.requests.push({ method: req.method, path: req.path });
    if (req.options?.signal?.aborted) throw new ProtektError('aborted', 'aborted');
    const headers = new Headers();
    if (req.path === '/.well-known/jwks.json') {
      if (this.jwksDelay) await new Promise((r) => setTimeout(r, this.jwksDelay));
      if (this.jwksOutage instanceof ProtektError) throw this.jwksOutage;
      if (this.jwksOutage === 'http404')
        return {
          status: 404,
          headers,
          data: null,
          error: { code: 'not_found', message: 'no', status: 404 },
        };
      if (this.cacheControl) headers.set('cache-control', this.cacheControl);
      if (this.jwksOutage === 'garbage')
        return { status: 200, headers, data: { nope: true }, error: null };
      return {
        status: 200,
        headers,
        data: { keys: this.keys.map((k) => ({ ...k.jwk })) },
        error: null,
      };
    }
    if (req.path === '/auth/token/verify') {
      const outage = this.verifyOutage;
      if (outage instanceof ProtektError) throw outage;
      if (outage)
        return {
          status: outage.status,
          headers,
          data: null,
          error: { code: outage.code as ReturnedErrorCode, message: 'x', status: outage.status },
        };
      const token = (req.body as { token: string }).token;
      const payload = JSON.parse(
        atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
      ) as Record<string, unknown>;
      if (this.revoked.has(String(payload.jti))) {
        return {
          status: 401,
          headers,
          data: null,
          error: { code: 'token_revoked', message: 'revoked', status: 401 },
        };
      }
      return { status: 200, headers, data: { valid: true, claims: payload }, error: null };
    }
    throw new Error(`unexpected request ${req.method} ${req.path}`);
  };

  /** A verifier of this fake, with its own fetch identity unless one is given. */
  verifier(
    options: TokenOptions = {},
    extra: {
      identity?: object;
      log?: (line: string) => void;
      audience?: string;
      issuer?: string;
      timeout?: number;
    } = {},
  ): TokenVerifier {
    return createTokenVerifier({
      jwksUrl: JWKS_URL,
      issuer: extra.issuer ?? ISSUER,
      audience: extra.audience ?? AUDIENCE,
      send: this.send,
      fetchIdentity: extra.identity ?? this.identity,
      options,
      now: this.clock.now,
      timeout: extra.timeout ?? 5000,
      log: extra.log,
    });
  }

  /** The default fetch identity of this fake (one shared JWKS cache per fake). */
  readonly identity = {};

  async sign(
    extra: Record<string, unknown> = {},
    key = this.keys[0]!,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return signRaw(
      { alg: key.alg, kid: key.kid, typ: 'JWT', ...header },
      claimsAt(this.clock, extra),
      key,
    );
  }
}

// RSA key generation is slow: fakes draw their keys from a small pool (a fresh kid each time).
// `makeKey` always generates new material, for tests that need a key nobody else has.
const pool = new Map<Alg, Promise<TestKey>[]>();
let drawn = 0;

async function pooledKey(alg: Alg): Promise<TestKey> {
  let keys = pool.get(alg);
  if (!keys) {
    keys = Array.from({ length: 4 }, () => makeKey(alg));
    pool.set(alg, keys);
  }
  const base = await keys[drawn++ % keys.length]!;
  const kid = `key_${++kidCounter}_${alg}`;
  return { ...base, kid, jwk: { ...base.jwk, kid } };
}

/** A fake with one key of each given algorithm (distinct key material within one fake). */
export async function fakeWith(...algs: Alg[]): Promise<FakeProtekt> {
  const fake = new FakeProtekt(new Clock());
  const wanted = algs.length ? algs : (['RS256'] as Alg[]);
  for (let i = 0; i < wanted.length; i++) {
    let key = await pooledKey(wanted[i]!);
    for (let tries = 0; fake.keys.some((k) => k.privateKey === key.privateKey); tries++) {
      key = tries < 4 ? await pooledKey(wanted[i]!) : await makeKey(wanted[i]!);
    }
    fake.keys.push(key);
  }
  return fake;
}
