/**
 * Every verifier benchmarked, behind one shape: `async (token) => claims`, throwing when the
 * token is refused (used by the fairness check), with `.direct`: the library call itself, which
 * is what gets timed (no adapter layer on anyone's hot path). Each is set up the way its
 * documentation says,
 * with warm keys, checking the same issuer and audience where it can.
 *
 * - floor: the least a correct verifier must do on WebCrypto: `crypto.subtle.verify` with a
 *   pre-imported key, base64url via `atob`, `JSON.parse`, and the alg/exp/iss/aud checks.
 * - protekt: `protekt.auth.verifyToken` (the client as users build it; JWKS fetched once through
 *   the `fetch` option, then warm).
 * - jose: `jwtVerify` with the CryptoKey, and with a warm `createRemoteJWKSet` (jose 6.2.17).
 * - hono: `verifyWithJwks` from `hono/utils/jwt`, the function behind hono's `jwk` middleware
 *   (with `keys`: it imports the JWK on every call, as the middleware does).
 * - clerk: `verifyToken` of @clerk/backend with `jwtKey` (PEM; RS256 only).
 * - supabase: `getClaims(token, { keys })` of @supabase/auth-js (RS256 and ES256; no iss/aud
 *   check).
 */
import { API_KEY, BASE_URL, ISSUER, LOGIN_ID, jwksFetch } from './tokens.mjs';

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();
const VERIFY = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};
const IMPORT = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
};

const b64 = (s) => s.replace(/-/g, '+').replace(/_/g, '/');
function bytes(bin) {
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function withDirect(verify, direct) {
  verify.direct = direct;
  return verify;
}

/** The floor: raw WebCrypto plus the minimum of parsing and checks. */
export async function floor(key) {
  const cryptoKey = await subtle.importKey('jwk', key.jwk, IMPORT[key.alg], false, ['verify']);
  const params = VERIFY[key.alg];
  const alg = key.alg;
  return async (token) => {
    const a = token.indexOf('.');
    const b = token.indexOf('.', a + 1);
    const header = JSON.parse(atob(b64(token.slice(0, a))));
    if (header.alg !== alg) throw new Error('alg');
    const ok = await subtle.verify(
      params,
      cryptoKey,
      bytes(atob(b64(token.slice(b + 1)))),
      enc.encode(token.slice(0, b)),
    );
    if (!ok) throw new Error('signature');
    const payload = JSON.parse(atob(b64(token.slice(a + 1, b))));
    if (!(payload.exp > Date.now() / 1000)) throw new Error('exp');
    if (payload.iss !== ISSUER) throw new Error('iss');
    const aud = payload.aud;
    if (aud !== LOGIN_ID && !(Array.isArray(aud) && aud.includes(LOGIN_ID))) throw new Error('aud');
    return payload;
  };
}

/**
 * `protekt.auth.verifyToken`, warm JWKS. Options are passed through (revocationCheck,
 * verifiedCache…).
 */
export async function protekt(
  mod,
  keys,
  token,
  options = {},
  fetchImpl = jwksFetch(keys.map((k) => k.jwk)),
) {
  const client = new mod.Protekt({
    loginId: LOGIN_ID,
    apiKey: API_KEY,
    baseUrl: BASE_URL,
    fetch: fetchImpl,
    ...options,
  });
  const warm = await client.auth.verifyToken(token);
  if (warm.error)
    throw new Error(`protekt warm-up: ${warm.error.code} ${warm.error.details?.reason}`);
  const verify = async (t) => {
    const r = await client.auth.verifyToken(t);
    if (r.error) throw new Error(r.error.code);
    return r.claims;
  };
  verify.client = client;
  verify.direct = (t) => client.auth.verifyToken(t);
  return verify;
}

export async function joseKey(jose, key) {
  const cryptoKey = await subtle.importKey('jwk', key.jwk, IMPORT[key.alg], false, ['verify']);
  const opts = { issuer: ISSUER, audience: LOGIN_ID, algorithms: [key.alg] };
  return withDirect(
    async (token) => (await jose.jwtVerify(token, cryptoKey, opts)).payload,
    (token) => jose.jwtVerify(token, cryptoKey, opts),
  );
}

export async function joseRemote(jose, keys, token) {
  const body = JSON.stringify({ keys: keys.map((k) => k.jwk) });
  const set = jose.createRemoteJWKSet(new URL(`${BASE_URL}/.well-known/jwks.json`), {
    cacheMaxAge: 3_600_000,
    [jose.customFetch]: async () =>
      new Response(body, { headers: { 'content-type': 'application/json' } }),
  });
  const opts = {
    issuer: ISSUER,
    audience: LOGIN_ID,
    algorithms: [...new Set(keys.map((k) => k.alg))],
  };
  await jose.jwtVerify(token, set, opts); // warm: fetched and imported
  return withDirect(
    async (t) => (await jose.jwtVerify(t, set, opts)).payload,
    (t) => jose.jwtVerify(t, set, opts),
  );
}

export async function hono(jwtUtils, key) {
  const opts = {
    keys: [key.jwk],
    allowedAlgorithms: [key.alg],
    verification: { iss: ISSUER, aud: LOGIN_ID },
  };
  return withDirect(
    async (token) => jwtUtils.verifyWithJwks(token, opts),
    (token) => jwtUtils.verifyWithJwks(token, opts),
  );
}

export async function clerk(clerkBackend, key) {
  if (key.alg !== 'RS256') return null;
  const opts = { jwtKey: key.pem, audience: LOGIN_ID };
  // The public verifyToken resolves the payload and throws the first error.
  return withDirect(
    (token) => clerkBackend.verifyToken(token, opts),
    (token) => clerkBackend.verifyToken(token, opts),
  );
}

export async function supabase(authJs, key) {
  if (key.alg === 'EdDSA') return null;
  const client = new authJs.AuthClient({
    url: `${ISSUER}/auth/v1`,
    persistSession: false,
    autoRefreshToken: false,
    detectSessionInUrl: false,
  });
  const opts = { keys: [key.jwk] };
  return withDirect(
    async (token) => {
      const r = await client.getClaims(token, opts);
      if (r.error) throw r.error;
      return r.data.claims;
    },
    (token) => client.getClaims(token, opts),
  );
}

/**
 * Fairness check run before any timing: the verifier accepts a valid token and refuses the same
 * token with one signature byte changed.
 */
export async function sanity(name, verify, token) {
  const claims = await verify(token);
  if (!claims || claims.iss !== ISSUER) throw new Error(`${name}: did not return the claims`);
  const dot = token.lastIndexOf('.');
  const sig = token.slice(dot + 1);
  const flipped = `${token.slice(0, dot + 1)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
  let refused = false;
  try {
    await verify(flipped);
  } catch {
    refused = true;
  }
  if (!refused) throw new Error(`${name}: accepted a token with a forged signature`);
}
