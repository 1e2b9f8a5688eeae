/**
 * The remote revocation check: cached per token for maxAge, every call with maxAge 0, none with
 * `revocationCheck: false`, fail-open by default, fail-closed on request, and the API's refusals.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { fakeWith } from './_helpers.js';

function jtiOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
}

describe('revocation check', () => {
  it('asks once, then trusts the answer for maxAge (default 30 s)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier();
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.clock.advance(29);
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.clock.advance(1);
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(2);
  });

  it('a revoked token is refused at the latest maxAge after revocation, and stays refused', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { maxAge: 10 } });
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    fake.revoked.add(jtiOf(token));
    fake.clock.advance(9);
    expect((await v.verify(token)).error).toBeNull(); // still within the cached answer
    fake.clock.advance(1);
    expect((await v.verify(token)).error).toMatchObject({ code: 'token_revoked', status: 401 });
    const calls = fake.verifyCalls;
    fake.clock.advance(100);
    expect((await v.verify(token)).error?.code).toBe('token_revoked');
    expect(fake.verifyCalls).toBe(calls); // a refusal is final: not asked again
  });

  it('maxAge 0 asks on every call', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { maxAge: 0 } });
    const token = await fake.sign();
    for (let i = 0; i < 5; i++) expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(5);
    fake.revoked.add(jtiOf(token));
    expect((await v.verify(token)).error?.code).toBe('token_revoked');
  });

  it('revocationCheck false: no request at all once the keys are cached', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, verifiedCache: false });
    await v.verify(await fake.sign());
    const before = fake.requests.length;
    for (let i = 0; i < 10; i++) expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.requests.length).toBe(before);
  });

  it('answers are cached by the token signature (here, tokens without jti)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ verifiedCache: false });
    const a = await fake.sign({ jti: undefined });
    const b = await fake.sign({ jti: undefined, sub: 'usr_other' });
    await v.verify(a);
    await v.verify(a);
    await v.verify(b);
    expect(fake.verifyCalls).toBe(2);
  });

  it('concurrent checks of one token share one request', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ verifiedCache: false });
    const token = await fake.sign();
    await v.verify(await fake.sign()); // warm the keys
    const before = fake.verifyCalls;
    const results = await Promise.all(Array.from({ length: 100 }, () => v.verify(token)));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(fake.verifyCalls - before).toBe(1);
  });

  it.each(['token_expired', 'token_invalid'] as const)(
    'the API answering %s refuses the token with that code',
    async (code) => {
      const fake = await fakeWith();
      const v = fake.verifier();
      fake.verifyOutage = { status: 401, code };
      expect((await v.verify(await fake.sign())).error).toMatchObject({
        code,
        status: 401,
        details: { reason: 'remote' },
      });
    },
  );
});

describe('when the check cannot be completed', () => {
  const outages = [
    new ProtektError('network_error', 'down'),
    new ProtektError('timeout', 'slow'),
    new ProtektError('service_unavailable', '503', { status: 503 }),
    new ProtektError('server_error', '500', { status: 500 }),
  ];

  it.each(outages.map((e) => [e.code, e] as const))(
    'fail-open (default): %s keeps the local answer, logged, not cached',
    async (_code, outage) => {
      const fake = await fakeWith();
      const lines: string[] = [];
      const v = fake.verifier({}, { log: (l) => lines.push(l) });
      const token = await fake.sign();
      fake.verifyOutage = outage;
      expect((await v.verify(token)).error).toBeNull();
      expect(lines.some((l) => l.includes('fail-open'))).toBe(true);
      expect(lines.join('\n')).not.toContain(token);
      fake.verifyOutage = null;
      fake.revoked.add(jtiOf(token));
      // for 5 s after a miss, checks are skipped (fail-open at once, no waiting on the network)
      const calls = fake.verifyCalls;
      fake.clock.advance(4.999);
      expect((await v.verify(token)).error).toBeNull();
      expect(fake.verifyCalls).toBe(calls);
      // then asked again: the miss was not cached as an answer
      fake.clock.advance(0.001);
      expect((await v.verify(token)).error?.code).toBe('token_revoked');
    },
  );

  it('the back-off after a miss is capped by maxAge (maxAge 0: every call asks)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { maxAge: 0 } });
    const token = await fake.sign();
    fake.verifyOutage = new ProtektError('network_error', 'down');
    expect((await v.verify(token)).error).toBeNull();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(2);
    const short = fake.verifier({ revocationCheck: { maxAge: 2 } });
    expect((await short.verify(token)).error).toBeNull();
    fake.clock.advance(2);
    fake.verifyOutage = null;
    fake.revoked.add(jtiOf(token));
    expect((await short.verify(token)).error?.code).toBe('token_revoked');
  });

  it('fail-closed during the back-off throws at once, without a request', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { failClosed: true } });
    fake.verifyOutage = new ProtektError('timeout', 'slow');
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({ code: 'timeout' });
    const calls = fake.verifyCalls;
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'timeout',
      details: { skipped: true },
    });
    expect(fake.verifyCalls).toBe(calls);
  });

  it('fail-open on a rate-limited answer too', async () => {
    const fake = await fakeWith();
    const v = fake.verifier();
    fake.verifyOutage = { status: 429, code: 'rate_limited' };
    expect((await v.verify(await fake.sign())).error).toBeNull();
  });

  it.each(outages.map((e) => [e.code, e] as const))(
    'fail-closed: %s is thrown (a middleware answers 503)',
    async (code, outage) => {
      const fake = await fakeWith();
      const v = fake.verifier({ revocationCheck: { failClosed: true } });
      fake.verifyOutage = outage;
      await expect(v.verify(await fake.sign())).rejects.toMatchObject({ code });
    },
  );

  it('fail-closed: a rate-limited answer throws service_unavailable', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { failClosed: true } });
    fake.verifyOutage = { status: 429, code: 'rate_limited' };
    const err = await v.verify(await fake.sign()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtektError);
    expect(err).toMatchObject({ code: 'service_unavailable', status: 429 });
  });

  it('a rejected project API key, an abort and an answer that is not a check are always thrown, even fail-open', async () => {
    const fake = await fakeWith();
    const v = fake.verifier();
    fake.verifyOutage = new ProtektError('invalid_api_key', 'bad key', { status: 401 });
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({ code: 'invalid_api_key' });
    fake.verifyOutage = new ProtektError('aborted', 'stop');
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({ code: 'aborted' });
    // An unreadable answer means the check is not being made at all: never failed open.
    fake.verifyOutage = new ProtektError('invalid_response', 'junk');
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({ code: 'invalid_response' });
    fake.verifyOutage = { status: 404, code: 'not_found' };
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'invalid_response',
      details: { code: 'not_found' },
    });
  });
});
