/**
 * The token options at their bounds: each number option accepts its documented range and refuses
 * one step outside it with `config_invalid` naming the option and the range; the object options
 * refuse the wrong shapes by name; defaults apply when an option is left out.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { validateTokenOptions } from '../../src/tokens/index.js';
import { refuseUnknownOptions } from '../../src/tokens/options.js';
import { fakeWith } from './_helpers.js';

/** The error `validateTokenOptions(options)` throws, or null. */
function refusal(options: unknown): ProtektError | null {
  try {
    validateTokenOptions(options);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtektError);
    return error as ProtektError;
  }
}

// name, min, max, whole numbers only, what the message calls it, and where it sits.
const NUMBERS: [string, number, number, boolean, string, (v: number) => object][] = [
  ['clockTolerance', 0, 60, false, 'a number of seconds', (v) => ({ clockTolerance: v })],
  [
    'maxTokenLength',
    64,
    1_048_576,
    true,
    'a whole number of characters',
    (v) => ({ maxTokenLength: v }),
  ],
  ['jwksCacheMaxAge', 1, 86_400, false, 'a number of seconds', (v) => ({ jwksCacheMaxAge: v })],
  ['jwksCooldown', 0, 3600, false, 'a number of seconds', (v) => ({ jwksCooldown: v })],
  ['maxStale', 60, 604_800, false, 'a number of seconds', (v) => ({ maxStale: v })],
  [
    'revocationCheck.maxAge',
    0,
    86_400,
    false,
    'a number of seconds',
    (v) => ({ revocationCheck: { maxAge: v } }),
  ],
  [
    'verifiedCache.max',
    1,
    1_000_000,
    true,
    'a whole number of entries',
    (v) => ({ verifiedCache: { max: v } }),
  ],
];

describe('number options', () => {
  it('accept their bounds and refuse one step beyond, naming the option and the range', () => {
    for (const [option, min, max, integer, what, make] of NUMBERS) {
      const step = integer ? 1 : 0.5;
      expect(refusal(make(min))).toBeNull();
      expect(refusal(make(max))).toBeNull();
      for (const value of [min - step, max + step, Number.NaN, '10' as unknown as number]) {
        const error = refusal(make(value));
        expect(error).toMatchObject({ code: 'config_invalid' });
        // Nested options by their full name (`revocationCheck.maxAge`).
        expect(error!.details.option).toBe(option);
        expect(error!.message).toBe(
          `Protekt option ${option} must be ${what} between ${min} and ${max}.`,
        );
      }
      if (integer) expect(refusal(make(min + 0.5))?.code).toBe('config_invalid');
      else expect(refusal(make(min + 0.5))).toBeNull();
    }
  });
});

describe('object options', () => {
  it('refuse the wrong shapes by name', () => {
    const cases: [unknown, string, string][] = [
      [
        { revocationCheck: 'yes' },
        'revocationCheck',
        'must be false, true or an object { maxAge, failClosed }.',
      ],
      [{ revocationCheck: { failClosed: 1 } }, 'revocationCheck.failClosed', 'must be a boolean.'],
      [{ revocationCheck: { maxage: 5 } }, 'revocationCheck.maxage', ''],
      [{ verifiedCache: 5 }, 'verifiedCache', 'must be false, true or an object { max }.'],
      [{ verifiedCache: { size: 5 } }, 'verifiedCache.size', ''],
      [{ jwks: { keys: 'x' } }, 'jwks', 'must be { keys: [...] } of objects.'],
      [{ jwks: { keys: [1] } }, 'jwks', 'must be { keys: [...] } of objects.'],
      [{ jwks: [] }, 'jwks', 'must be { keys: [...] } of objects.'],
      [
        { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
        'jwks',
        'is refused: a key carries the private member "k": a JWKS holds public keys only.',
      ],
      [{ jwksCache: {} }, 'jwksCache', 'must be an object with get and set methods.'],
      [{ jwksCache: { get() {} } }, 'jwksCache', 'must be an object with get and set methods.'],
    ];
    for (const [options, option, why] of cases) {
      const error = refusal(options);
      expect(error).toMatchObject({ code: 'config_invalid', details: { option } });
      if (why) expect(error!.message).toBe(`Protekt option ${option} ${why}`);
    }
    expect(refusal('options')).toMatchObject({
      code: 'config_invalid',
      message: 'Token options must be an object.',
    });
  });

  it('accept true, false and the documented objects; keep only token options', () => {
    const store = { get: async () => undefined, set: async () => {} };
    for (const options of [
      undefined,
      {},
      { revocationCheck: true },
      { revocationCheck: false },
      { revocationCheck: { failClosed: true } },
      { verifiedCache: true },
      { verifiedCache: false },
      { verifiedCache: {} },
      { jwks: { keys: [] } },
      { jwksCache: store },
    ]) {
      expect(refusal(options)).toBeNull();
    }
    expect(validateTokenOptions({ apiKey: 'pk', clockTolerance: 3 })).toEqual({
      clockTolerance: 3,
    });
    expect(validateTokenOptions({ verifiedCache: { max: 9 } })).toEqual({
      verifiedCache: { max: 9 },
    });
    expect(validateTokenOptions({ revocationCheck: { maxAge: 0 } })).toEqual({
      revocationCheck: { maxAge: 0 },
    });
  });
});

describe('defaults', () => {
  it('clock tolerance 5 s when left out; 0 means none', async () => {
    const fake = await fakeWith('ES256');
    const token = await fake.sign({ exp: fake.clock.seconds - 3 });
    expect((await fake.verifier({ revocationCheck: false }).verify(token)).error).toBeNull();
    const strict = fake.verifier({ revocationCheck: false, clockTolerance: 0 });
    expect((await strict.verify(token)).error?.code).toBe('token_expired');
  });

  it('revocation on by default with maxAge 30 s', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier();
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
  });
});

describe('the clean copy validateTokenOptions returns', () => {
  it('holds only what was given, copied: no key for an option left out, no shared object', () => {
    const keys = [{ kty: 'RSA' }];
    const given = {
      revocationCheck: { acceptBeforeCheck: true },
      jwks: { keys },
      verifiedCache: {},
      clockTolerance: undefined,
    };
    const out = validateTokenOptions(given);
    expect(out).toStrictEqual({
      revocationCheck: { acceptBeforeCheck: true },
      jwks: { keys: [{ kty: 'RSA' }] },
      verifiedCache: {},
    });
    expect(out.revocationCheck).not.toBe(given.revocationCheck);
    expect(out.jwks).not.toBe(given.jwks);
    expect(out.jwks?.keys).not.toBe(keys);
    expect(out.verifiedCache).not.toBe(given.verifiedCache);
    const full = { maxAge: 5, failClosed: false, acceptBeforeCheck: false };
    expect(validateTokenOptions({ revocationCheck: full }).revocationCheck).toStrictEqual(full);
    expect(validateTokenOptions({ revocationCheck: {} }).revocationCheck).toStrictEqual({});
  });

  it('refuses what is not an object as the option "options"', () => {
    for (const options of [7, 'x', [], true]) {
      expect(refusal(options)).toMatchObject({
        code: 'config_invalid',
        message: 'Token options must be an object.',
        details: { option: 'options' },
      });
    }
  });

  it('names acceptBeforeCheck when it is not a boolean, or set with failClosed', () => {
    expect(refusal({ revocationCheck: { acceptBeforeCheck: 'yes' } })).toMatchObject({
      message: 'Protekt option revocationCheck.acceptBeforeCheck must be a boolean.',
      details: { option: 'revocationCheck.acceptBeforeCheck' },
    });
    expect(
      refusal({ revocationCheck: { acceptBeforeCheck: true, failClosed: true } }),
    ).toMatchObject({
      message: 'Protekt option revocationCheck.acceptBeforeCheck cannot be true with failClosed.',
      details: { option: 'revocationCheck.acceptBeforeCheck' },
    });
  });

  it('refuses a store without both a get and a set method', () => {
    const method = async () => null;
    for (const option of ['jwksCache', 'revocationCache']) {
      for (const store of [{ set: method }, { get: method }, { get: 1, set: method }, 'kv']) {
        expect(refusal({ [option]: store })).toMatchObject({
          message: `Protekt option ${option} must be an object with get and set methods.`,
          details: { option },
        });
      }
    }
  });

  it('names an unknown option by its own name at the top level', () => {
    let thrown: unknown;
    try {
      refuseUnknownOptions({ clockTolerence: 5 }, ['clockTolerance']);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'config_invalid',
      message: 'Protekt option clockTolerence is unknown: did you mean clockTolerance?',
      details: { option: 'clockTolerence' },
    });
  });
});
