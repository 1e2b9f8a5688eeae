/**
 * Keys and tokens for the benchmarks, made with WebCrypto: one key pair per algorithm (RSA 2048
 * for RS256, P-256 for ES256, Ed25519 for EdDSA), public JWKs shaped like Protekt's JWKS, and
 * pools of distinct tokens shaped like Protekt access tokens (9 claims, like the emulator's).
 */
const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

export const ALGS = ['RS256', 'ES256', 'EdDSA'];
export const ISSUER = 'http://127.0.0.1:8787';
export const BASE_URL = `${ISSUER}/v1`;
export const LOGIN_ID = 'lp_bench_project';
export const API_KEY = 'pk_bench_key_0123456789';

const GEN = {
  RS256: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
};
const SIGN = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

export function b64u(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const b64uText = (text) => b64u(enc.encode(text));

/** A signing key: private CryptoKey, public CryptoKey, public JWK (kid, alg, use), SPKI PEM. */
export async function makeKey(alg, kid) {
  const pair = await subtle.generateKey(GEN[alg], true, ['sign', 'verify']);
  const raw = await subtle.exportKey('jwk', pair.publicKey);
  const jwk =
    alg === 'RS256'
      ? { kty: 'RSA', kid, alg, use: 'sig', n: raw.n, e: raw.e }
      : alg === 'ES256'
        ? { kty: 'EC', kid, alg, use: 'sig', crv: 'P-256', x: raw.x, y: raw.y }
        : { kty: 'OKP', kid, alg, use: 'sig', crv: 'Ed25519', x: raw.x };
  const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki)).replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----`;
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk, pem };
}

/** Signs a compact JWS with `{ alg, kid, typ: 'JWT' }`. */
export async function sign(key, payload) {
  const input = `${b64uText(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }))}.${b64uText(JSON.stringify(payload))}`;
  const sig = new Uint8Array(await subtle.sign(SIGN[key.alg], key.privateKey, enc.encode(input)));
  return `${input}.${b64u(sig)}`;
}

/** The 9 claims of a Protekt access token (as the emulator issues them), unique per `i`. */
export function claims(i, extra = 0) {
  const iat = Math.floor(Date.now() / 1000);
  const c = {
    iss: ISSUER,
    sub: `usr_${(100000 + i).toString(36)}bench`,
    aud: [LOGIN_ID, 'prj_bench'],
    email: `user${i}@example.com`,
    email_verified: true,
    project_id: 'prj_bench',
    iat,
    exp: iat + 3600,
    jti: `tok_${i.toString(36).padStart(8, '0')}bench${Math.random().toString(36).slice(2, 10)}`,
  };
  // Extra metadata claims to grow the token (each ~30 characters of JSON).
  for (let k = 0; k < extra; k++) c[`meta_${k}`] = `value-${k}-${'x'.repeat(12)}`;
  return c;
}

/** `n` distinct tokens signed by `key`. */
export async function tokenPool(key, n, extra = 0) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = await sign(key, claims(i, extra));
  return out;
}

/** A JWKS `fetch` double: answers the JWKS URL from memory (the bench measures warm caches). */
export function jwksFetch(keys, extra = {}) {
  const body = JSON.stringify({ keys });
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith('/.well-known/jwks.json')) {
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600' },
      });
    }
    if (extra.handle) return extra.handle(url, init);
    return new Response(JSON.stringify({ error: { code: 'not_found', message: 'not here' } }), {
      status: 404,
      headers: { 'content-type': 'application/json' },
    });
  };
}
