/**
 * Which published key verifies a token: a JWK whose own `alg` disagrees with the algorithm its
 * type pins is ignored, a `kid` longer than any Protekt key id is refused before any lookup, and a
 * key WebCrypto will not import refuses its tokens with that reason. Against the fake Protekt of
 * _helpers.ts, with a key set served as published.
 */
import { describe, expect, it } from 'vitest';
import { keyFromJwk } from '../../src/tokens/keys.js';
import { encodeBase64url } from '../../src/util/base64url.js';
import { webCrypto } from '../support/web.js';
import {
  claimsAt,
  Clock,
  FakeProtekt,
  fakeWith,
  makeKey,
  signRaw,
  type TestKey,
} from './_helpers.js';

// One key of each type for the whole file: an RSA key takes a while to generate.
let oneOfEach: Promise<[TestKey, TestKey, TestKey]> | undefined;
const keysOfEachType = () =>
  (oneOfEach ??= Promise.all([makeKey('RS256'), makeKey('ES256'), makeKey('EdDSA')]));

/** A fake that publishes exactly `keys`, and a local-only verifier of it that logs. */
function served(keys: TestKey[]) {
  const fake = new FakeProtekt(new Clock());
  fake.keys = keys;
  const lines: string[] = [];
  const verifier = fake.verifier(
    { revocationCheck: false, verifiedCache: false },
    { log: (line) => void lines.push(line) },
  );
  return { fake, verifier, lines };
}

/** The same key pair, published under `kid` with the JWK members changed as given. */
function republished(key: TestKey, kid: string, members: Record<string, unknown>): TestKey {
  return { ...key, kid, jwk: { ...key.jwk, kid, ...members } as TestKey['jwk'] };
}

/** A token signed by `key`, its header naming `kid` (the key's own by default). */
function tokenBy(key: TestKey, clock: Clock, kid = key.kid): Promise<string> {
  return signRaw({ alg: key.alg, kid, typ: 'JWT' }, claimsAt(clock), key);
}

describe("a key's own alg", () => {
  it('an Ed25519 key naming another alg is ignored; naming EdDSA or Ed25519 it verifies', async () => {
    const base = await makeKey('EdDSA');
    const ignored = ['RS256', 'ES256', 'HS256', 'none', 'eddsa'].map((alg, i) =>
      republished(base, `ed_as_${i}`, { alg }),
    );
    const accepted = [
      republished(base, 'ed_as_eddsa', { alg: 'EdDSA' }),
      republished(base, 'ed_as_ed25519', { alg: 'Ed25519' }),
      republished(base, 'ed_no_alg', { alg: undefined }),
    ];
    const { fake, verifier, lines } = served([...ignored, ...accepted]);
    for (const key of ignored) {
      expect(keyFromJwk(key.jwk)).toBe("alg is not the key type's");
      const { error } = await verifier.verify(await tokenBy(key, fake.clock));
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    }
    for (const key of accepted) {
      expect(keyFromJwk(key.jwk)).toMatchObject({ kid: key.kid, alg: 'EdDSA' });
      expect((await verifier.verify(await tokenBy(key, fake.clock))).error).toBeNull();
    }
    // Each fetch of the set (the cold one, one refetch for the unknown kids) logs each ignored key.
    const ignoredLines = lines.filter((l) =>
      l.endsWith("ignoring a JWKS key (alg is not the key type's)"),
    );
    expect(ignoredLines).toHaveLength(ignored.length * fake.jwksFetches);
  });

  it('an RSA or EC key naming Ed25519 (or EdDSA) is ignored', async () => {
    const [rsa, ec] = await keysOfEachType();
    const ignored = [
      republished(rsa, 'rsa_as_ed25519', { alg: 'Ed25519' }),
      republished(rsa, 'rsa_as_eddsa', { alg: 'EdDSA' }),
      republished(ec, 'ec_as_ed25519', { alg: 'Ed25519' }),
      republished(ec, 'ec_as_eddsa', { alg: 'EdDSA' }),
      republished(rsa, 'rsa_as_es256', { alg: 'ES256' }),
      republished(ec, 'ec_as_rs256', { alg: 'RS256' }),
    ];
    const { fake: publisher, verifier } = served([...ignored, rsa, ec]);
    for (const key of ignored) {
      expect(keyFromJwk(key.jwk)).toBe("alg is not the key type's");
      const { error } = await verifier.verify(await tokenBy(key, publisher.clock));
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    }
    // The same material under its own alg verifies.
    for (const key of [rsa, ec]) {
      expect((await verifier.verify(await tokenBy(key, publisher.clock))).error).toBeNull();
    }
  });

  it('each key type pins its algorithm and its signature length', async () => {
    const pinned = (await keysOfEachType()).map((k) => keyFromJwk(k.jwk));
    expect(pinned).toMatchObject([
      { alg: 'RS256', signatureLength: 256 },
      { alg: 'ES256', signatureLength: 64 },
      { alg: 'EdDSA', signatureLength: 64 },
    ]);
  });
});

describe('kid length', () => {
  it('a kid over 256 characters is refused before any lookup, even when published', async () => {
    const base = await makeKey('ES256');
    const long = republished(base, 'k'.repeat(257), {});
    const { fake, verifier } = served([long]);
    const { error } = await verifier.verify(await tokenBy(long, fake.clock));
    expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    expect(error!.message).toBe(
      'The token header has no usable kid: Protekt access tokens always name their key.',
    );
    // Refused by the header check: the (cold) key set was never fetched.
    expect(fake.jwksFetches).toBe(0);
  });

  it('a kid of exactly 256 characters is looked up and verifies', async () => {
    const base = await makeKey('ES256');
    const longest = republished(base, 'k'.repeat(256), {});
    const { fake, verifier } = served([longest]);
    expect((await verifier.verify(await tokenBy(longest, fake.clock))).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });

  it('an unknown kid within the limit is looked up, then refused as not published', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ revocationCheck: false });
    const { error } = await v.verify(await tokenBy(fake.keys[0]!, fake.clock, 'kid_unknown'));
    expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    expect(error!.message).toBe(
      "The token's kid is not in the JWKS: it is from another environment, or its key was rotated out.",
    );
    expect(fake.jwksFetches).toBe(1);
  });
});

describe('a key WebCrypto will not import', () => {
  it('refuses its tokens with reason key and says why; the other keys still verify', async () => {
    const fake = await fakeWith('ES256');
    const good = fake.keys[0]!;
    // A P-256 public key whose point is not on the curve: well-formed, refused at import.
    const point = new Uint8Array(32);
    point[31] = 1;
    const y = new Uint8Array(32);
    y[31] = 2;
    const broken = republished(good, 'off_curve', {
      x: encodeBase64url(point),
      y: encodeBase64url(y),
    });
    const { fake: publisher, verifier } = served([broken, good]);
    const token = await tokenBy(broken, publisher.clock);
    // Deno's WebCrypto imports such a point (docs/testing.md): there the signature fails instead.
    const imports = await webCrypto()
      .subtle.importKey('jwk', broken.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'verify',
      ])
      .then(
        () => true,
        () => false,
      );
    for (let i = 0; i < 2; i++) {
      const { user, error } = await verifier.verify(token);
      expect(user).toBeNull();
      if (imports) {
        expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'signature' } });
        continue;
      }
      expect(error).toMatchObject({
        code: 'token_invalid',
        status: 401,
        details: { reason: 'key' },
      });
      expect(error!.message).toBe(
        "The token's key could not be imported into WebCrypto (malformed or unsupported JWK).",
      );
    }
    expect((await verifier.verify(await tokenBy(good, publisher.clock))).error).toBeNull();
  });
});

describe('why a JWK is ignored (the reason its debug line gives)', () => {
  it('names the first rule the JWK breaks', async () => {
    const [rsa, ec, ed] = (await keysOfEachType()).map((k) => k.jwk as JsonWebKey);
    const bytes = (length: number, fill = 1) => encodeBase64url(new Uint8Array(length).fill(fill));
    const cases: [unknown, string][] = [
      [null, 'not an object'],
      [[rsa], 'not an object'],
      [{ ...rsa, d: 'x', kid: undefined }, 'carries the private member d'],
      [{ ...ec, kid: undefined }, 'no kid'],
      [{ ...ec, kid: '' }, 'no kid'],
      [{ ...ec, kid: 7 }, 'no kid'],
      [{ ...ec, use: 'enc' }, 'use is not sig'],
      [{ ...ec, key_ops: ['sign'] }, 'key_ops lacks verify'],
      [{ ...ec, key_ops: 'verify' }, 'key_ops lacks verify'],
      [{ ...rsa, n: '' }, 'malformed RSA key'],
      [{ ...rsa, e: 'AA' }, 'malformed RSA key'],
      [{ ...rsa, n: 'not base64url!' }, 'malformed RSA key'],
      [{ ...rsa, n: bytes(255, 0xff) }, 'RSA modulus under 2048 bits'],
      [{ ...rsa, e: 'AQA' }, 'RSA exponent not an odd number of at least 3'],
      [{ ...rsa, e: 'AQ' }, 'RSA exponent not an odd number of at least 3'],
      [{ ...ec, x: bytes(31) }, 'malformed P-256 key'],
      [{ ...ec, x: '!'.repeat(43) }, 'malformed P-256 key'],
      [{ ...ec, y: '*'.repeat(43) }, 'malformed P-256 key'],
      [{ ...rsa, n: undefined }, 'malformed RSA key'],
      [{ ...rsa, e: 65537 }, 'malformed RSA key'],
      // Members that are arrays of characters (a JWKS is untrusted JSON): ignored, not thrown.
      [{ ...rsa, n: Array.from(rsa!.n!) }, 'malformed RSA key'],
      [{ ...ec, x: Array.from(ec!.x!) }, 'malformed P-256 key'],
      [{ ...ed, x: '!'.repeat(43) }, 'malformed Ed25519 key'],
      [{ ...ec, kty: 'OKP' }, 'unsupported key type'],
      [{ ...ed, kty: 'EC' }, 'unsupported key type'],
      [{ ...ec, y: undefined }, 'malformed P-256 key'],
      [{ ...ec, crv: 'P-384' }, 'unsupported key type'],
      [{ ...ed, x: bytes(33) }, 'malformed Ed25519 key'],
      [{ ...ed, x: bytes(32, 0) }, 'Ed25519 key of small order'],
      [{ ...ed, crv: 'X25519' }, 'unsupported key type'],
      [{ kty: 'oct', kid: 'k' }, 'unsupported key type'],
    ];
    for (const [jwk, reason] of cases) expect(keyFromJwk(jwk)).toBe(reason);
    // At the bounds: an exponent of 3 and a 2048-bit modulus with a leading zero byte are kept.
    const modulus = new Uint8Array(257);
    modulus.set(new Uint8Array(256).fill(0xab), 1);
    expect(keyFromJwk({ ...rsa, e: 'Aw', n: encodeBase64url(modulus) })).toMatchObject({
      alg: 'RS256',
      signatureLength: 256,
    });
  });
});
