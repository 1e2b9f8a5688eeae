/**
 * The remote revocation check: cached per token for maxAge, every call with maxAge 0, none with
 * `revocationCheck: false`, fail-open by default, fail-closed on request, and the API's refusals.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { revocationKey } from '../../src/tokens/revocation.js';
import { fakeWith } from './_helpers.js';
import {
  bytesOfBase64url,
  bytesOfHex,
  concatBytes,
  encodeBase64url,
  hexOfBytes,
  segmentJson,
} from '../support/web.js';

function jtiOf(token: string): string {
  return segmentJson(token, 1).jti as string;
}

describe('revocation check', () => {
  it('asks once, trusts the answer, and refreshes it ahead of maxAge (default 30 s) in the background', async () => {
    const fake = await fakeWith();
    const v = fake.verifier();
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.clock.advance(14); // before the refresh window (from 15 s, jittered up to 24 s)
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.clock.advance(10); // 24 s: past the refresh time, within the answer's life (27-30 s)
    expect((await v.verify(token)).error).toBeNull();
    // Lets the background refresh run to its end.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
    expect(fake.verifyCalls).toBe(2);
    fake.clock.advance(12); // 36 s: the refreshed answer (asked at 24 s) holds, not yet due again
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

/**
 * A revocation endpoint that hangs: each request is counted and waits for its signal to abort
 * (as a real fetch does), or for `release()` (then answered by the fake).
 */
function hangChecks(fake: Awaited<ReturnType<typeof fakeWith>>) {
  const original = fake.send;
  const waiting: (() => void)[] = [];
  const gate = {
    held: true,
    started: 0,
    aborted: 0,
    release(): void {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
  fake.send = async (req) => {
    if (req.path === '/auth/token/verify' && gate.held) {
      gate.started++;
      const signal = req.options?.signal;
      await new Promise<void>((resolve, reject) => {
        waiting.push(resolve);
        signal?.addEventListener('abort', () => {
          gate.aborted++;
          reject(new ProtektError('aborted', 'aborted', { cause: signal.reason }));
        });
      });
    }
    return original(req);
  };
  return gate;
}

describe('a hanging revocation endpoint', () => {
  it("fail-open: the first check waits one attempt's timeout and sends one request; first-seen tokens then answer at once, each logged", async () => {
    const fake = await fakeWith('ES256');
    const gate = hangChecks(fake);
    const lines: string[] = [];
    const v = fake.verifier({}, { timeout: 60, log: (l) => lines.push(l) });
    const first = await fake.sign();
    let started = performance.now();
    expect((await v.verify(first)).error).toBeNull();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(waited).toBeLessThan(400);
    expect(gate).toMatchObject({ started: 1, aborted: 1 });
    expect(lines.some((l) => l.includes('revocation check failed (timeout): fail-open'))).toBe(
      true,
    );
    const tokens = await Promise.all(Array.from({ length: 50 }, () => fake.sign()));
    started = performance.now();
    const results = await Promise.all(tokens.map((t) => v.verify(t)));
    expect(performance.now() - started).toBeLessThan(100);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(gate.started).toBe(1);
    expect(lines.filter((l) => l.includes('revocation check skipped'))).toHaveLength(50);
  });

  it('fail-closed: the first check throws timeout after one attempt; the next ones throw at once (skipped)', async () => {
    const fake = await fakeWith('ES256');
    const gate = hangChecks(fake);
    const v = fake.verifier({ revocationCheck: { failClosed: true } }, { timeout: 60 });
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'timeout',
      details: { timeout: 60 },
    });
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, async () => v.verify(await fake.sign())),
    );
    expect(performance.now() - started).toBeLessThan(150);
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as ProtektError).details.skipped === true,
      ),
    ).toBe(true);
    expect(gate.started).toBe(1);
  });

  it('the window counts from when the failure ENDED, then one probe at a time', async () => {
    const fake = await fakeWith('ES256');
    const gate = hangChecks(fake);
    const v = fake.verifier({}, { timeout: 60 });
    const first = v.verify(await fake.sign());
    fake.clock.advance(10); // the check hangs for 10 s of the verifier's clock
    expect((await first).error).toBeNull();
    fake.clock.advance(4.9); // 14.9 s after it was sent, 4.9 s after it failed
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(gate.started).toBe(1);
    fake.clock.advance(0.1);
    // The window is over: one probe goes out (and hangs); every other first-seen token skips.
    const probe = v.verify(await fake.sign());
    const others = await Promise.all(Array.from({ length: 10 }, () => fake.sign()));
    const started = performance.now();
    expect((await Promise.all(others.map((t) => v.verify(t)))).every((r) => !r.error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
    expect(gate.started).toBe(2);
    gate.held = false;
    gate.release(); // the probe answers: checks are made again
    expect((await probe).error).toBeNull();
    const revoked = await fake.sign();
    fake.revoked.add(jtiOf(revoked));
    expect((await v.verify(revoked)).error?.code).toBe('token_revoked');
  });

  it("the caller's abort still ends a check at once, thrown as aborted", async () => {
    const fake = await fakeWith();
    const gate = hangChecks(fake);
    const v = fake.verifier({}, { timeout: 300 });
    const controller = new AbortController();
    const pending = v.verify(await fake.sign(), { signal: controller.signal });
    while (gate.started === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const started = performance.now();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    expect(performance.now() - started).toBeLessThan(100);
    // The request itself is shared by concurrent checks of the token: it ends at its timeout.
  });
});

/** (r, n − s) of an ES256 token: the same signed content, another signature segment. */
function es256Twin(token: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = bytesOfBase64url(s);
  const high = (n - BigInt(`0x${hexOfBytes(sig.subarray(32))}`)).toString(16).padStart(64, '0');
  const twin = concatBytes([sig.subarray(0, 32), bytesOfHex(high)]);
  return `${h}.${p}.${encodeBase64url(twin)}`;
}

describe('one revocation verdict per signed content', () => {
  it('ES256: both (r, s) and (r, n − s) verify, and share one key', async () => {
    const fake = await fakeWith('ES256');
    const token = await fake.sign();
    const twin = es256Twin(token);
    expect(twin).not.toBe(token);
    const v = fake.verifier({ revocationCheck: false });
    expect((await v.verify(token)).error).toBeNull();
    expect((await v.verify(twin)).error).toBeNull();
    const sig = (t: string) => bytesOfBase64url(t.split('.')[2]!);
    expect(revocationKey('ES256', sig(twin), twin.split('.')[2]!)).toBe(
      revocationKey('ES256', sig(token), token.split('.')[2]!),
    );
  });

  it('ES256: a token refused by Protekt stays refused in its twin while the network is down', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier();
    const token = await fake.sign();
    fake.revoked.add(jtiOf(token));
    expect((await v.verify(token)).error?.code).toBe('token_revoked');
    fake.verifyOutage = new ProtektError('network_error', 'down');
    expect((await v.verify(es256Twin(token))).error?.code).toBe('token_revoked');
    expect(fake.verifyCalls).toBe(1);
  });

  it('ES256: a token this client ended (logout) stays ended in its twin', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier();
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    v.endings.token(token);
    fake.verifyOutage = new ProtektError('network_error', 'down');
    for (const t of [token, es256Twin(token)]) {
      expect((await v.verify(t)).error).toMatchObject({
        code: 'token_revoked',
        details: { reason: 'ended_here' },
      });
    }
    // Ending the twin ends the original too.
    const other = await fake.sign();
    v.endings.token(es256Twin(other));
    expect((await v.verify(other)).error?.code).toBe('token_revoked');
  });

  it('EdDSA and RS256 have no second encoding: S + L and s + n are refused by WebCrypto', async () => {
    const fake = await fakeWith('EdDSA', 'RS256');
    const v = fake.verifier({ revocationCheck: false });
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const ed = await fake.sign({}, fake.keys[0]);
    const [eh, ep, es] = ed.split('.') as [string, string, string];
    const edSig = bytesOfBase64url(es);
    const s = BigInt(`0x${hexOfBytes(edSig.slice(32).reverse())}`);
    const bigS = bytesOfHex((s + L).toString(16).padStart(64, '0')).reverse();
    const edTwin = `${eh}.${ep}.${encodeBase64url(concatBytes([edSig.subarray(0, 32), bigS]))}`;
    expect((await v.verify(ed)).error).toBeNull();
    expect((await v.verify(edTwin)).error).toMatchObject({ details: { reason: 'signature' } });

    const rs = await fake.sign({}, fake.keys[1]);
    const [rh, rp, rsig] = rs.split('.') as [string, string, string];
    const modulus = BigInt(`0x${hexOfBytes(bytesOfBase64url(fake.keys[1]!.jwk.n!))}`);
    const sum = (BigInt(`0x${hexOfBytes(bytesOfBase64url(rsig))}`) + modulus).toString(16);
    const rsTwin = `${rh}.${rp}.${encodeBase64url(bytesOfHex(sum.padStart(sum.length + (sum.length % 2), '0')))}`;
    expect((await v.verify(rs)).error).toBeNull();
    expect((await v.verify(rsTwin)).error).toMatchObject({ details: { reason: 'signature' } });
  });
});
