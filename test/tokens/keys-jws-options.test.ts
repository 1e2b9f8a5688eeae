/**
 * Unit rules of the small modules: which JWKs become verification keys (and with which pinned
 * algorithm), the compact-JWS parser on its own, and option validation.
 */
import { describe, expect, it } from 'vitest';
import { keyFromJwk } from '../../src/tokens/keys.js';
import { parseCompactJws } from '../../src/tokens/jws.js';
import { validateTokenOptions } from '../../src/tokens/index.js';
import { encodeBase64url, encodeBase64urlText } from '../../src/util/base64url.js';
import { makeKey } from './_helpers.js';
import { webCrypto } from '../support/web.js';

describe('keyFromJwk: the key pins the algorithm', () => {
  it('RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA, public members only', async () => {
    const rsa = await makeKey('RS256');
    const ec = await makeKey('ES256');
    const ed = await makeKey('EdDSA');
    const privateRsa = {
      ...(await webCrypto().subtle.exportKey('jwk', rsa.privateKey)),
      kid: 'priv',
      key_ops: undefined,
    };
    for (const [jwk, alg] of [
      [rsa.jwk, 'RS256'],
      [ec.jwk, 'ES256'],
      [ed.jwk, 'EdDSA'],
      [{ ...ed.jwk, alg: 'Ed25519' }, 'EdDSA'],
      [{ ...rsa.jwk, alg: undefined, use: undefined }, 'RS256'],
      [{ ...ec.jwk, key_ops: ['verify'] }, 'ES256'],
    ] as const) {
      const k = keyFromJwk(jwk);
      expect(typeof k).toBe('object');
      expect((k as { alg: string }).alg).toBe(alg);
    }
    // Only the public members are kept, whatever else the JWK names.
    const extra = keyFromJwk({ ...rsa.jwk, x5t: 'x', ext: true });
    expect(Object.keys((extra as { jwk: object }).jwk).sort()).toEqual(['e', 'kty', 'n']);
    // A key that carries private members is refused, never stripped down to its public part.
    expect(keyFromJwk(privateRsa)).toBe('carries the private member d');
  });

  it('ignores keys that are not public signature keys of a supported kind', async () => {
    const rsa = await makeKey('RS256');
    const ec = await makeKey('ES256');
    const small = (await webCrypto().subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const smallJwk = {
      ...(await webCrypto().subtle.exportKey('jwk', small.publicKey)),
      kid: 'small',
    };
    const cases: unknown[] = [
      null,
      'x',
      [],
      { ...rsa.jwk, kid: undefined },
      { ...rsa.jwk, kid: '' },
      { ...rsa.jwk, use: 'enc' },
      { ...rsa.jwk, key_ops: ['encrypt'] },
      { ...rsa.jwk, key_ops: 'verify' },
      { ...rsa.jwk, alg: 'PS256' },
      { ...ec.jwk, alg: 'RS256' },
      { ...ec.jwk, crv: 'P-384' },
      { ...ec.jwk, x: 'AAAA' },
      { kty: 'oct', kid: 'h', k: encodeBase64url(new Uint8Array(32)) },
      { kty: 'OKP', crv: 'X25519', kid: 'x', x: encodeBase64url(new Uint8Array(32)) },
      { ...rsa.jwk, n: 'not base64url!' },
      smallJwk,
    ];
    for (const jwk of cases) expect(typeof keyFromJwk(jwk)).toBe('string');
  });
});

describe('parseCompactJws', () => {
  const payload = encodeBase64urlText('{"sub":"x"}');
  const sig = encodeBase64url(new Uint8Array(64));

  it('splits a token and keeps the header rules', () => {
    const header = encodeBase64urlText('{"alg":"ES256","kid":"k1","typ":"JWT"}');
    const parsed = parseCompactJws(`${header}.${payload}.${sig}`);
    expect('code' in parsed).toBe(false);
    if ('code' in parsed) return;
    expect(parsed.header).toEqual({ alg: 'ES256', kid: 'k1' });
    expect(parsed.signingInput).toBe(`${header}.${payload}`);
    expect(parsed.payloadSegment).toBe(payload);
    expect(parsed.signature.length).toBe(64);
    // the same header segment again gives the same (frozen) header
    const again = parseCompactJws(`${header}.${payload}.${sig}`);
    expect('code' in again ? null : again.header).toBe(parsed.header);
    expect(Object.isFrozen(parsed.header)).toBe(true);
  });

  it('stays correct past the bound of remembered headers', () => {
    for (let i = 0; i < 300; i++) {
      const header = encodeBase64urlText(JSON.stringify({ alg: 'RS256', kid: `k${i}` }));
      const parsed = parseCompactJws(`${header}.${payload}.${sig}`);
      expect('code' in parsed ? null : parsed.header.kid).toBe(`k${i}`);
      const refused = parseCompactJws(
        `${encodeBase64urlText(JSON.stringify({ alg: 'none', kid: `k${i}` }))}.${payload}.${sig}`,
      );
      expect('code' in refused ? refused.details.reason : null).toBe('alg');
    }
  });
});

describe('validateTokenOptions', () => {
  it('returns a clean copy of the token options only, ignoring the other client options', () => {
    const store = { get: async () => undefined, set: async () => {} };
    const out = validateTokenOptions({
      loginId: 'lp_x',
      apiKey: 'pk_secret',
      clockTolerance: 10,
      revocationCheck: { maxAge: 0, failClosed: true },
      jwks: { keys: [{ kty: 'RSA' }] },
      jwksCache: store,
      maxTokenLength: 4096,
      jwksCacheMaxAge: 120,
      jwksCooldown: 0,
      verifiedCache: { max: 5 },
    });
    expect(out).toEqual({
      clockTolerance: 10,
      revocationCheck: { maxAge: 0, failClosed: true },
      jwks: { keys: [{ kty: 'RSA' }] },
      jwksCache: store,
      maxTokenLength: 4096,
      jwksCacheMaxAge: 120,
      jwksCooldown: 0,
      verifiedCache: { max: 5 },
    });
    expect(validateTokenOptions(undefined)).toEqual({});
    expect(validateTokenOptions({ revocationCheck: true, verifiedCache: false })).toEqual({
      revocationCheck: true,
      verifiedCache: false,
    });
  });

  it('names the option in the error', () => {
    expect(() => validateTokenOptions({ clockTolerance: 61 })).toThrow(
      'clockTolerance must be a number of seconds between 0 and 60.',
    );
    expect(() => validateTokenOptions('nope')).toThrow('Token options must be an object.');
  });
});
