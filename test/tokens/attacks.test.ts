/**
 * The attack suite: tokens forged the ways JWT verifiers have been broken before. Each one is
 * refused with `token_invalid` (or `token_expired`) and the reason that names the broken rule;
 * none throws, none makes a request anywhere but the JWKS endpoint.
 */
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jwksProblem, keyFromJwk } from '../../src/tokens/keys.js';
import { encodeBase64url, encodeBase64urlText } from '../../src/util/base64url.js';
import {
  claimsAt,
  Clock,
  FakeProtekt,
  fakeWith,
  ISSUER,
  makeKey,
  signRaw,
  type TestKey,
} from './_helpers.js';
import { ODD_RSA_KEYS } from './_odd-rsa-keys.js';
import type { TokenVerifier } from '../../src/tokens/index.js';
import {
  base64OfBytes,
  bytesOfBase64url,
  bytesOfHex,
  concatBytes,
  webCrypto,
} from '../support/web.js';

let fake: FakeProtekt;
let rsa: TestKey;
let ec: TestKey;
let ed: TestKey;
let v: TokenVerifier;

function b64(value: unknown): string {
  return encodeBase64urlText(typeof value === 'string' ? value : JSON.stringify(value));
}

async function expectRefused(token: string, reason: string, code = 'token_invalid'): Promise<void> {
  const r = await v.verify(token);
  expect(r.user, reason).toBeNull();
  expect(r.claims).toBeNull();
  expect(r.error, reason).toMatchObject({ code, status: 401, details: { reason } });
}

function spkiPem(der: ArrayBuffer): string {
  const b = base64OfBytes(new Uint8Array(der));
  return `-----BEGIN PUBLIC KEY-----\n${b.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

beforeAll(async () => {
  fake = await fakeWith('RS256', 'ES256', 'EdDSA');
  [rsa, ec, ed] = fake.keys as [TestKey, TestKey, TestKey];
  v = fake.verifier({ revocationCheck: false, verifiedCache: false });
  // warm the key set with a good token of each kind
  for (const k of fake.keys) expect((await v.verify(await fake.sign({}, k))).error).toBeNull();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('algorithm attacks', () => {
  it('alg "none" in any case, with or without a signature', async () => {
    const payload = b64(claimsAt(fake.clock));
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expectRefused(`${b64({ alg, kid: rsa.kid })}.${payload}.`, 'alg');
      await expectRefused(
        `${b64({ alg, kid: rsa.kid })}.${payload}.${encodeBase64url(new Uint8Array(256))}`,
        'alg',
      );
    }
    await expectRefused(`${b64({ alg: 'none' })}.${payload}.`, 'alg');
  });

  it('HS256 with the RSA public key (PEM, DER, JWK JSON, n) as the HMAC secret', async () => {
    const spki = await webCrypto().subtle.exportKey('spki', rsa.publicKey);
    const secrets = [
      new TextEncoder().encode(spkiPem(spki)),
      new Uint8Array(spki),
      new TextEncoder().encode(JSON.stringify(rsa.jwk)),
      new TextEncoder().encode(rsa.jwk.n!),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
        const token = await new SignJWT(claimsAt(fake.clock))
          .setProtectedHeader({ alg, kid: rsa.kid, typ: 'JWT' })
          .sign(secret);
        await expectRefused(token, 'alg');
      }
    }
  });

  it('an algorithm outside RS256/ES256/EdDSA (PS256, RS512, ES384, ES256K)', async () => {
    for (const alg of ['PS256', 'RS512', 'ES384', 'ES256K', 'Ed25519', 'rs256', '']) {
      await expectRefused(`${b64({ alg, kid: rsa.kid })}.${b64(claimsAt(fake.clock))}.AAAA`, 'alg');
    }
  });

  it('ES256 and EdDSA keys named with an RS256 header (and the reverse): alg confusion', async () => {
    // a real signature of the right key, but the header claims another algorithm
    for (const [key, alg] of [
      [ec, 'RS256'],
      [ed, 'RS256'],
      [rsa, 'ES256'],
      [rsa, 'EdDSA'],
      [ec, 'EdDSA'],
      [ed, 'ES256'],
    ] as const) {
      const token = await signRaw({ alg: key.alg, kid: key.kid }, claimsAt(fake.clock), key);
      const [, p, s] = token.split('.');
      await expectRefused(`${b64({ alg, kid: key.kid })}.${p}.${s}`, 'alg');
    }
    // an attacker's EC key signing under the RSA key's kid with ES256
    const attacker = await makeKey('ES256');
    await expectRefused(
      await signRaw({ alg: 'ES256', kid: rsa.kid }, claimsAt(fake.clock), attacker),
      'alg',
    );
  });

  it('a JWK whose own alg disagrees with its type is ignored', async () => {
    const f = await fakeWith('ES256');
    const k = f.keys[0]!;
    k.jwk = { ...k.jwk, alg: 'RS256' };
    const verifier = f.verifier({ revocationCheck: false });
    const r = await verifier.verify(await f.sign());
    expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
  });
});

describe('keys from the token itself', () => {
  it('an attacker key embedded in the header (jwk) is refused, whatever the kid', async () => {
    const attacker = await makeKey('RS256');
    for (const kid of [rsa.kid, attacker.kid]) {
      await expectRefused(
        await signRaw({ alg: 'RS256', kid, jwk: attacker.jwk }, claimsAt(fake.clock), attacker),
        'header_key',
      );
    }
  });

  it('jku / x5u / x5c are refused and nothing is fetched from them', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const before = fake.requests.length;
    const attacker = await makeKey('RS256');
    const der = base64OfBytes(
      new Uint8Array(await webCrypto().subtle.exportKey('spki', attacker.publicKey)),
    );
    for (const extra of [
      { jku: 'https://evil.example/jwks.json' },
      { x5u: 'https://evil.example/cert.pem' },
      { x5c: [der] },
      { jku: `${ISSUER}/v1/.well-known/jwks.json` },
    ]) {
      await expectRefused(
        await signRaw(
          { alg: 'RS256', kid: attacker.kid, ...extra },
          claimsAt(fake.clock),
          attacker,
        ),
        'header_key',
      );
      await expectRefused(
        await signRaw({ alg: 'RS256', kid: rsa.kid, ...extra }, claimsAt(fake.clock), attacker),
        'header_key',
      );
    }
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(fake.requests.length).toBe(before);
  });

  it('crit is refused, even listing a standard parameter', async () => {
    for (const crit of [['exp'], ['b64'], [], 'b64']) {
      await expectRefused(
        await signRaw({ alg: 'RS256', kid: rsa.kid, crit, b64: true }, claimsAt(fake.clock), rsa),
        'crit',
      );
    }
  });

  it('a signature from a different key with the same kid', async () => {
    const impostor = await makeKey('RS256', rsa.kid);
    await expectRefused(
      await signRaw({ alg: 'RS256', kid: rsa.kid }, claimsAt(fake.clock), impostor),
      'signature',
    );
    const edImpostor = await makeKey('EdDSA', ed.kid);
    await expectRefused(
      await signRaw({ alg: 'EdDSA', kid: ed.kid }, claimsAt(fake.clock), edImpostor),
      'signature',
    );
  });

  it('kid with path, SQL, prototype or control characters just misses', async () => {
    const kids = [
      '../../../../etc/passwd',
      "' OR '1'='1' --",
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '%00',
      '\u0000',
      'a'.repeat(257),
    ];
    for (const kid of kids) {
      const r = await v.verify(await signRaw({ alg: 'RS256', kid }, claimsAt(fake.clock), rsa));
      expect(r.error?.code, kid).toBe('token_invalid');
      expect(['kid']).toContain(r.error?.details?.reason);
    }
    for (const kid of [42, null, ['x'], { k: 1 }, '']) {
      await expectRefused(await signRaw({ alg: 'RS256', kid }, claimsAt(fake.clock), rsa), 'kid');
    }
    await expectRefused(await signRaw({ alg: 'RS256' }, claimsAt(fake.clock), rsa), 'kid');
  });

  it('typ other than JWT / at+jwt', async () => {
    for (const typ of ['JWE', 'dpop+jwt', 'secevent+jwt', 1, null]) {
      await expectRefused(
        await signRaw({ alg: 'RS256', kid: rsa.kid, typ }, claimsAt(fake.clock), rsa),
        'typ',
      );
    }
  });
});

describe('claims attacks', () => {
  it('another audience, another issuer, a token of the right project from the wrong issuer', async () => {
    await expectRefused(await fake.sign({ aud: 'lp_project_b' }), 'aud');
    await expectRefused(await fake.sign({ aud: ['lp_project_b'] }), 'aud');
    await expectRefused(await fake.sign({ aud: [['lp_project_a']] }), 'aud');
    await expectRefused(await fake.sign({ iss: 'https://auth.protekt.io' }), 'iss');
    await expectRefused(await fake.sign({ iss: ISSUER.toUpperCase() }), 'iss');
  });

  it('expired and not-yet-valid at the edges of the tolerance', async () => {
    const now = fake.clock.seconds;
    await expectRefused(await fake.sign({ exp: now - 5 }), 'exp', 'token_expired');
    expect((await v.verify(await fake.sign({ exp: now - 4 }))).error).toBeNull();
    await expectRefused(await fake.sign({ nbf: now + 6 }), 'nbf');
    expect((await v.verify(await fake.sign({ nbf: now + 5 }))).error).toBeNull();
    await expectRefused(await fake.sign({ iat: now + 6 }), 'iat');
  });

  it('a valid signature over a modified payload', async () => {
    const token = await fake.sign();
    const [h, , s] = token.split('.');
    await expectRefused(
      `${h}.${b64(claimsAt(fake.clock, { sub: 'usr_admin' }))}.${s}`,
      'signature',
    );
  });
});

describe('malformed encodings', () => {
  it('truncated tokens', async () => {
    const token = await fake.sign();
    const [h, p, s] = token.split('.') as [string, string, string];
    await expectRefused(`${h}.${p}`, 'malformed');
    await expectRefused(`${h}.${p}.`, 'signature');
    await expectRefused(`${h}`, 'malformed');
    await expectRefused(`${h}.${p}.${s.slice(0, -2)}`, 'signature'); // 255 bytes: too short for the key
    await expectRefused(token.slice(0, -1), 'malformed'); // 341 chars: an impossible base64url length
    await expectRefused(`.${p}.${s}`, 'malformed');
    await expectRefused(`${h}..${s}`, 'malformed');
  });

  it('padding, whitespace, standard base64 and non-canonical trailing bits', async () => {
    const token = await fake.sign();
    const [h, p, s] = token.split('.') as [string, string, string];
    const pad = (x: string): string => x + '='.repeat((4 - (x.length % 4)) % 4 || 4);
    await expectRefused(`${pad(h)}.${p}.${s}`, 'malformed');
    await expectRefused(`${h}.${p}.${pad(s)}`, 'malformed');
    await expectRefused(`${h} .${p}.${s}`, 'malformed');
    await expectRefused(`${h}.${p}.${s}\n`, 'malformed');
    await expectRefused(
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(s) ? '' : '+'}`,
      'malformed',
    );
    // RS256 signatures are 256 bytes → 342 chars, whose last char carries 4 unused bits
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const idx = alphabet.indexOf(last);
    const twin = alphabet[idx | 1]!; // same decoded bytes, non-zero unused bit
    expect(twin).not.toBe(last);
    await expectRefused(`${h}.${p}.${s.slice(0, -1)}${twin}`, 'malformed');
    // payload re-encoded with padding inside a signed token: the signature no longer matches
    const repadded = await signRaw({ alg: 'RS256', kid: rsa.kid }, pad(p), rsa);
    expect((await v.verify(repadded)).error?.code).toBe('token_invalid');
  });

  it('non-JSON or non-object headers', async () => {
    const p = b64(claimsAt(fake.clock));
    for (const header of ['not json', '[1]', '"RS256"', 'null', '{"alg":"RS256","kid":']) {
      await expectRefused(`${b64(header)}.${p}.AAAA`, 'malformed');
    }
    // invalid UTF-8 in the header
    await expectRefused(
      `${encodeBase64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.${p}.AAAA`,
      'malformed',
    );
  });

  it('JWE (five parts), non-ASCII characters and oversized tokens', async () => {
    const token = await fake.sign();
    await expectRefused(`${token}.AAAA.BBBB`, 'malformed');
    await expectRefused(`é${token}`, 'malformed');
    await expectRefused(`${token}é`, 'malformed');
    await expectRefused(`${token}${'A'.repeat(17_000)}`, 'size');
  });

  it('a refresh token and an MFA token', async () => {
    await expectRefused('rt_Hq3xLp9Zk2MvB7nT4yW1', 'refresh_token');
    await expectRefused('mfa_tmp_0f9a8b7c6d5e4f3a2b1c', 'mfa_token');
  });

  it('an ES256 signature in DER (ASN.1) form instead of raw r||s', async () => {
    const token = await signRaw({ alg: 'ES256', kid: ec.kid }, claimsAt(fake.clock), ec);
    const [h, p, s] = token.split('.') as [string, string, string];
    const raw = bytesOfBase64url(s);
    const int = (b: Uint8Array): Uint8Array =>
      b[0]! & 0x80 ? concatBytes([new Uint8Array([0]), b]) : b;
    const r = int(raw.subarray(0, 32)),
      q = int(raw.subarray(32));
    const der = concatBytes([
      new Uint8Array([0x30, r.length + q.length + 4, 0x02, r.length]),
      r,
      new Uint8Array([0x02, q.length]),
      q,
    ]);
    await expectRefused(`${h}.${p}.${encodeBase64url(der)}`, 'signature');
  });
});

describe('keys as strict as jose', () => {
  // A fake JWKS serving `keys`, and a verifier of it that records its debug lines.
  function served(keys: TestKey[]): {
    fake: FakeProtekt;
    verifier: TokenVerifier;
    lines: string[];
  } {
    const served = new FakeProtekt(new Clock());
    served.keys = keys;
    const lines: string[] = [];
    const verifier = served.verifier(
      { revocationCheck: false, verifiedCache: false },
      { log: (line) => void lines.push(line) },
    );
    return { fake: served, verifier, lines };
  }

  // An RSA key pair of `bits`: generated, or imported where the length is not a multiple of 8
  // (workerd and Deno generate only those).
  async function rsaKeyOf(bits: number): Promise<TestKey> {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const fixed = ODD_RSA_KEYS[bits];
    const pair: CryptoKeyPair = fixed
      ? {
          privateKey: await webCrypto().subtle.importKey('jwk', fixed, algorithm, true, ['sign']),
          publicKey: await webCrypto().subtle.importKey(
            'jwk',
            { kty: 'RSA', n: fixed.n, e: fixed.e },
            algorithm,
            true,
            ['verify'],
          ),
        }
      : ((await webCrypto().subtle.generateKey(
          { ...algorithm, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) },
          true,
          ['sign', 'verify'],
        )) as CryptoKeyPair);
    const { n, e } = await webCrypto().subtle.exportKey('jwk', pair.publicKey);
    const kid = `rsa_${bits}`;
    const jwk = { kty: 'RSA', kid, n, e } as TestKey['jwk'];
    return { kid, alg: 'RS256', privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
  }

  // A key of the set that publishes `jwk` under `kid` (its private key signs nothing it verifies).
  const published = (base: TestKey, kid: string, jwk: JsonWebKey): TestKey => ({
    ...base,
    kid,
    jwk: { ...jwk, kid } as TestKey['jwk'],
  });

  it('an RSA modulus of 2041 or 2047 bits is refused (bits, not bytes: both fill 256 bytes); 2048 verifies', async () => {
    const keys = await Promise.all([2041, 2047, 2048].map(rsaKeyOf));
    const { fake: f, verifier, lines } = served(keys);
    for (const key of keys.slice(0, 2)) {
      expect(bytesOfBase64url(key.jwk.n!)).toHaveLength(256);
      expect(keyFromJwk(key.jwk)).toBe('RSA modulus under 2048 bits');
      const r = await verifier.verify(await f.sign({}, key));
      expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    }
    expect((await verifier.verify(await f.sign({}, keys[2]!))).error).toBeNull();
    expect(lines.some((l) => l.includes('ignoring a JWKS key (RSA modulus under 2048 bits)'))).toBe(
      true,
    );
  });

  it('an RSA exponent of 1 is refused, though WebCrypto verifies a forgery with it; so are even and tiny ones', async () => {
    // With e = 1, s^e mod n = s: the "signature" is the PKCS#1 v1.5 encoding of the hash itself.
    const { n } = rsa.jwk;
    const { fake: f, verifier } = served([published(rsa, 'e_is_1', { kty: 'RSA', n, e: 'AQ' })]);
    const input = `${b64({ alg: 'RS256', kid: 'e_is_1', typ: 'JWT' })}.${b64(claimsAt(f.clock))}`;
    const hash = new Uint8Array(
      await webCrypto().subtle.digest('SHA-256', new TextEncoder().encode(input)),
    );
    const digestInfo = concatBytes([bytesOfHex('3031300d060960864801650304020105000420'), hash]);
    const forged = new Uint8Array(256).fill(0xff);
    forged[0] = 0;
    forged[1] = 1;
    forged[255 - digestInfo.length] = 0;
    forged.set(digestInfo, 256 - digestInfo.length);
    const r = await verifier.verify(`${input}.${encodeBase64url(forged)}`);
    expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    // 1, 1 with a leading zero byte, 2, 65536 (even), an empty exponent: refused; 3 and 65537 kept.
    for (const e of ['AQ', 'AAE', 'Ag', 'AQAA', 'AA', ''])
      expect(typeof keyFromJwk({ kty: 'RSA', kid: 'k', n, e }), e).toBe('string');
    for (const e of ['Aw', 'AQAB'])
      expect(typeof keyFromJwk({ kty: 'RSA', kid: 'k', n, e }), e).toBe('object');
  });

  it('a JWK with private members is reported, and jwksProblem refuses the whole set for it', async () => {
    const exported = await webCrypto().subtle.exportKey('jwk', rsa.privateKey);
    expect(keyFromJwk({ ...exported, kid: 'leaked' })).toBe('carries the private member d');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
      const leaked = { ...ec.jwk, kid: `leaked_${member}`, [member]: 'AQAB' };
      expect(keyFromJwk(leaked)).toBe(`carries the private member ${member}`);
      const problem = jwksProblem([rsa.jwk, ed.jwk, leaked]);
      expect(problem).toContain(`"${member}"`);
      expect(problem).not.toContain('AQAB');
    }
    expect(jwksProblem([rsa.jwk, ec.jwk, ed.jwk, null, 'x', { kty: 'oct' }])).toBeNull();
    expect(jwksProblem([])).toBeNull();
  });

  it('small-order Ed25519 keys (the 8 points and their non-canonical encodings) are refused', async () => {
    const p = 2n ** 255n - 19n;
    const order8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
    const encode = (y: bigint, sign: boolean): string => {
      const bytes = new Uint8Array(32);
      for (let i = 0; i < 32; i++) bytes[i] = Number((y >> BigInt(8 * i)) & 0xffn);
      if (sign) bytes[31]! |= 0x80;
      return encodeBase64url(bytes);
    };
    const encodings = [0n, 1n, order8, p - order8, p - 1n, p, p + 1n].flatMap((y) => [
      encode(y, false),
      encode(y, true),
    ]);
    expect(encodings).toContain('AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'); // the identity
    for (const x of encodings)
      expect(keyFromJwk({ kty: 'OKP', crv: 'Ed25519', kid: 'k', x }), x).toBe(
        'Ed25519 key of small order',
      );
    // With the identity as the key, R = identity and S = 0 verify any message on WebCrypto.
    const identity = { kty: 'OKP', crv: 'Ed25519', x: encodings[2]! };
    const { fake: f, verifier } = served([published(ed, 'identity', identity)]);
    const signature = new Uint8Array(64);
    signature[0] = 1;
    const input = `${b64({ alg: 'EdDSA', kid: 'identity' })}.${b64(claimsAt(f.clock))}`;
    const r = await verifier.verify(`${input}.${encodeBase64url(signature)}`);
    expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'kid' } });
    // An ordinary key is still accepted.
    expect(typeof keyFromJwk(ed.jwk)).toBe('object');
  });

  it('P-256 points off the curve are refused at import: the token is refused with reason key (signature where WebCrypto imports them)', async () => {
    const at = (fill: number, last = fill): string => {
      const bytes = new Uint8Array(32).fill(fill);
      bytes[31] = last;
      return encodeBase64url(bytes);
    };
    const points: [string, string][] = [
      [at(0), at(0)], // (0, 0): what the point at infinity is sometimes written as
      [at(0, 1), at(0, 2)], // (1, 2): not on the curve
      [at(0xff), at(0xff)], // coordinates above the field prime
      [ec.jwk.x!, at(0, 7)], // a real x with a wrong y
    ];
    const keys = points.map(([x, y], i) =>
      published(ec, `off_curve_${i}`, { kty: 'EC', crv: 'P-256', x, y }),
    );
    const { fake: f, verifier } = served(keys);
    for (const key of keys) {
      // Deno's WebCrypto imports such a point without checking it: there the key is kept and the
      // token still fails, at its signature. Everywhere else the import itself refuses it.
      const imports = await webCrypto()
        .subtle.importKey('jwk', key.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
        .then(
          () => true,
          () => false,
        );
      const reason = imports ? 'signature' : 'key';
      const r = await verifier.verify(await f.sign({}, key));
      expect(r.error, key.kid).toMatchObject({ code: 'token_invalid', details: { reason } });
    }
  });
});
