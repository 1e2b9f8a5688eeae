/**
 * The checks made before a token is parsed: its type, emptiness and `maxTokenLength` at its exact
 * bound, and the hints for the usual mix-ups, each with the message a caller reads. Against the
 * fake Protekt of _helpers.ts.
 */
import { describe, expect, it } from 'vitest';
import { fakeWith } from './_helpers.js';

describe('maxTokenLength', () => {
  it('a token of exactly maxTokenLength passes; one character less of room refuses it', async () => {
    const fake = await fakeWith('ES256');
    const token = await fake.sign();
    const exact = fake.verifier({ revocationCheck: false, maxTokenLength: token.length });
    expect((await exact.verify(token)).error).toBeNull();
    const under = fake.verifier({ revocationCheck: false, maxTokenLength: token.length - 1 });
    const { error } = await under.verify(token);
    expect(error).toMatchObject({
      code: 'token_invalid',
      status: 401,
      details: { reason: 'size' },
    });
    expect(error!.message).toBe(
      `The token is longer than maxTokenLength (${token.length - 1} characters).`,
    );
  });

  it('the default bound is 16,384 characters', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ revocationCheck: false });
    const padded = (length: number) => {
      const token = 'x'.repeat(length);
      return v.verify(token);
    };
    expect((await padded(16_384)).error?.details?.reason).toBe('malformed');
    expect((await padded(16_385)).error?.details?.reason).toBe('size');
  });
});

describe('inputs that are not a token', () => {
  it('a non-string and an empty string are refused, each with its reason and message', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ revocationCheck: false });
    for (const input of [undefined, null, 42, {}, ['a.b.c']]) {
      const { error } = await v.verify(input);
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'type' } });
      expect(error!.message).toBe(
        'The token is not a string: pass the value after "Bearer " in the Authorization header.',
      );
    }
    const { error } = await v.verify('');
    expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'empty' } });
    expect(error!.message).toBe('The token is empty: did the request carry one?');
    expect(fake.jwksFetches).toBe(0);
  });

  it('a refresh token, an MFA token and a "Bearer " prefix are named in the message', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ revocationCheck: false });
    const cases: [string, string, string][] = [
      ['rt_8fj3kLmQ0pZx', 'refresh_token', 'This is a refresh token: pass the access token.'],
      [
        'mfa_tmp_abc123',
        'mfa_token',
        'This is an MFA token: complete the MFA challenge to get an access token.',
      ],
      [`bearer  ${await fake.sign()}`, 'bearer', 'Pass the token without its "Bearer " prefix.'],
    ];
    for (const [input, reason, message] of cases) {
      const { error } = await v.verify(input);
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason } });
      expect(error!.message).toBe(message);
    }
    // Anything else that is not a JWS keeps the parser's reason.
    const { error } = await v.verify('rt.only-two');
    expect(error).toMatchObject({ details: { reason: 'malformed' } });
  });
});
