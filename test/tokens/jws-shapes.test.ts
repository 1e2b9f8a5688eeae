/**
 * The strict JWS parse, rule by rule, with the reason and the message a caller reads for each
 * broken one: the three parts, the header's alg, key-bearing members, crit, typ and kid, and the
 * payload's encoding. No key is involved: these are refused before any lookup.
 */
import { describe, expect, it } from 'vitest';
import { decodeSegment, parseCompactJws } from '../../src/tokens/jws.js';
import { encodeBase64urlText } from '../../src/util/base64url.js';

const AS_ISSUED = 'pass the access token as Protekt issued it.';
const ALGS = 'only RS256, ES256 and EdDSA are accepted.';

const segment = (value: unknown): string =>
  encodeBase64urlText(typeof value === 'string' ? value : JSON.stringify(value));
const GOOD_HEADER = { alg: 'ES256', kid: 'k1', typ: 'JWT' };
const PAYLOAD = segment({ sub: 'u' });
const SIGNATURE = 'c2ln';

/** The failure of parsing `token`, or null when it parses. */
function failureOf(token: string): { reason: string; message: string } | null {
  const parsed = parseCompactJws(token);
  return 'code' in parsed ? { reason: parsed.details.reason, message: parsed.message } : null;
}

const withHeader = (header: unknown): string => `${segment(header)}.${PAYLOAD}.${SIGNATURE}`;

describe('the three parts', () => {
  it('a well-formed token parses into its header, signing input and signature', () => {
    const token = withHeader(GOOD_HEADER);
    const parsed = parseCompactJws(token);
    expect('code' in parsed).toBe(false);
    if ('code' in parsed) return;
    expect(parsed.header).toEqual({ alg: 'ES256', kid: 'k1' });
    expect(parsed.signingInput).toBe(token.slice(0, token.lastIndexOf('.')));
    expect(parsed.payloadSegment).toBe(PAYLOAD);
    expect(parsed.signatureSegment).toBe(SIGNATURE);
    expect(Array.from(parsed.signature)).toEqual([0x73, 0x69, 0x67]);
  });

  it('not three parts, an empty part, or a signature that is not base64url', () => {
    const h = segment(GOOD_HEADER);
    const notJws = `The token is not a JWS (three base64url parts): ${AS_ISSUED}`;
    const empty = `The token's header or payload part is empty: ${AS_ISSUED}`;
    const cases: [string, string, string][] = [
      ['nodots', 'malformed', notJws],
      [`${h}.${PAYLOAD}`, 'malformed', notJws],
      [`${h}.${PAYLOAD}.${SIGNATURE}.x`, 'malformed', notJws],
      [`.${PAYLOAD}.${SIGNATURE}`, 'malformed', empty],
      [`${h}..${SIGNATURE}`, 'malformed', empty],
      [
        `${h}.${PAYLOAD}.`,
        'signature',
        'The token has no signature: Protekt access tokens are always signed.',
      ],
      [
        `${h}.${PAYLOAD}.c2ln+`,
        'malformed',
        `The token's signature part is not base64url: ${AS_ISSUED}`,
      ],
    ];
    for (const [token, reason, message] of cases) {
      expect(failureOf(token)).toEqual({ reason, message });
    }
  });
});

describe('the header', () => {
  it('is decoded strictly: base64url of a JSON object', () => {
    const cases: [string, string][] = [
      ['e30=', 'base64url'],
      ['!!', 'base64url'],
      [segment('not json'), 'JSON'],
      [segment('[1]'), 'a JSON object'],
      [segment('null'), 'a JSON object'],
    ];
    for (const [header, why] of cases) {
      expect(failureOf(`${header}.${PAYLOAD}.${SIGNATURE}`)).toEqual({
        reason: 'malformed',
        message: `The token's header part is not ${why}: ${AS_ISSUED}`,
      });
    }
  });

  it('the standard base64 alphabet (+ and /) is refused in the header', () => {
    const header = segment({ alg: 'ES256', kid: '???' });
    expect(header).toContain('_');
    expect(failureOf(`${header}.${PAYLOAD}.${SIGNATURE}`)).toBeNull();
    expect(failureOf(`${header.replace(/_/g, '/')}.${PAYLOAD}.${SIGNATURE}`)).toEqual({
      reason: 'malformed',
      message: `The token's header part is not base64url: ${AS_ISSUED}`,
    });
  });

  it('is not held to the payload depth bound (only the payload is walked)', () => {
    const deep = `{"alg":"ES256","kid":"k","x":${'['.repeat(80)}${']'.repeat(80)}}`;
    expect(failureOf(`${segment(deep)}.${PAYLOAD}.${SIGNATURE}`)).toBeNull();
  });

  it('alg: present, signed, asymmetric and supported', () => {
    const cases: [unknown, string][] = [
      [undefined, `The token header has no alg: ${ALGS}`],
      [256, `The token header has no alg: ${ALGS}`],
      ['none', `The token is unsigned (alg "none"): ${ALGS}`],
      ['NoNe', `The token is unsigned (alg "none"): ${ALGS}`],
      ['HS256', `The token's alg header is a shared-secret one (HS*): ${ALGS}`],
      ['HS512', `The token's alg header is a shared-secret one (HS*): ${ALGS}`],
      ['RS512', `The token's alg header is not supported: ${ALGS}`],
      ['es256', `The token's alg header is not supported: ${ALGS}`],
      ['Ed25519', `The token's alg header is not supported: ${ALGS}`],
    ];
    for (const [alg, message] of cases) {
      expect(failureOf(withHeader({ ...GOOD_HEADER, alg }))).toEqual({ reason: 'alg', message });
    }
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      expect(failureOf(withHeader({ ...GOOD_HEADER, alg }))).toBeNull();
    }
  });

  it('a member that carries or points at a key is refused, named', () => {
    for (const name of ['jwk', 'jku', 'x5u', 'x5c']) {
      expect(failureOf(withHeader({ ...GOOD_HEADER, [name]: null }))).toEqual({
        reason: 'header_key',
        message: `The token header carries a key ("${name}"): keys come only from the JWKS.`,
      });
    }
  });

  it('crit is refused; typ must be JWT or at+jwt, in any case', () => {
    expect(failureOf(withHeader({ ...GOOD_HEADER, crit: [] }))).toEqual({
      reason: 'crit',
      message: 'The token header has "crit": Protekt access tokens never do.',
    });
    const typMessage =
      "The token's typ is neither JWT nor at+jwt: this is not a Protekt access token.";
    for (const typ of ['JWE', '', 'jwt+at', 1]) {
      expect(failureOf(withHeader({ ...GOOD_HEADER, typ }))).toEqual({
        reason: 'typ',
        message: typMessage,
      });
    }
    for (const typ of ['JWT', 'jwt', 'At+JWT']) {
      expect(failureOf(withHeader({ ...GOOD_HEADER, typ }))).toBeNull();
    }
  });

  it('kid: a non-empty string of at most 256 characters', () => {
    const message =
      'The token header has no usable kid: Protekt access tokens always name their key.';
    for (const kid of [undefined, '', 7, 'k'.repeat(257)]) {
      expect(failureOf(withHeader({ alg: 'ES256', kid }))).toEqual({ reason: 'kid', message });
    }
    expect(failureOf(withHeader({ alg: 'ES256', kid: 'k'.repeat(256) }))).toBeNull();
    expect(failureOf(withHeader({ alg: 'ES256', kid: 'k' }))).toBeNull();
  });

  it('the rules are checked in order: alg before key members before crit before typ before kid', () => {
    const all = { alg: 'none', jwk: {}, crit: [], typ: 'x', kid: '' };
    expect(failureOf(withHeader(all))?.reason).toBe('alg');
    expect(failureOf(withHeader({ ...all, alg: 'ES256' }))?.reason).toBe('header_key');
    expect(failureOf(withHeader({ ...all, alg: 'ES256', jwk: undefined }))?.reason).toBe('crit');
    expect(failureOf(withHeader({ alg: 'ES256', typ: 'x', kid: '' }))?.reason).toBe('typ');
  });

  it('an accepted header is remembered by its text; a refused one never is', () => {
    const token = withHeader(GOOD_HEADER);
    const first = parseCompactJws(token);
    const again = parseCompactJws(token);
    expect('code' in first || 'code' in again).toBe(false);
    if ('code' in first || 'code' in again) return;
    expect(again.header).toBe(first.header);
    expect(Object.isFrozen(first.header)).toBe(true);
    // More headers than the memory holds: each is still parsed right.
    for (let i = 0; i < 200; i++) {
      const parsed = parseCompactJws(withHeader({ alg: 'ES256', kid: `k${i}` }));
      expect('code' in parsed ? null : parsed.header.kid).toBe(`k${i}`);
    }
    const refused = withHeader({ alg: 'HS256', kid: 'k' });
    expect(failureOf(refused)?.reason).toBe('alg');
    expect(failureOf(refused)?.reason).toBe('alg');
  });
});

describe('the payload', () => {
  it('is read as UTF-8 JSON of an object nested at most 64 levels', () => {
    const deep = (levels: number) => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(decodeSegment(segment(deep(64)), 'payload')).toEqual({
      json: JSON.parse(deep(64)),
    });
    const cases: [string, string][] = [
      [segment(deep(65)), 'JSON nested at most 64 levels deep'],
      [segment('[]'), 'a JSON object'],
      [segment('{'), 'JSON'],
      ['%%%', 'base64url'],
    ];
    for (const [payload, why] of cases) {
      const decoded = decodeSegment(payload, 'payload');
      expect(decoded).toMatchObject({
        code: 'token_invalid',
        details: { reason: 'malformed' },
        message: `The token's payload part is not ${why}: ${AS_ISSUED}`,
      });
    }
  });

  it('a payload may carry a member named code without being taken for a failure', () => {
    expect(decodeSegment(segment({ code: 'token_invalid' }), 'payload')).toEqual({
      json: { code: 'token_invalid' },
    });
  });
});
