/**
 * What the JWKS cache, the key set and verifyToken show users in the corners mutation testing
 * found untested: Cache-Control spellings, what a `jwksCache` entry must be, the clock going back
 * or standing near the epoch, a refresh in flight while an unknown kid arrives, maxStale's error
 * and its cause, the store's share of the fetch budget on Workers, duplicate kids, a JWKS answer
 * without keys, the messages and debug lines of refusals, and the endings of a user's sessions.
 * Against the fake Protekt of _helpers.ts. Portable (web standards only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { setInFlightSharing } from '../../src/runtime/in-flight.js';
import {
  createTokenVerifier,
  type JwksCacheStore,
  type StoredJwks,
} from '../../src/tokens/index.js';
import {
  AUDIENCE,
  claimsAt,
  type FakeProtekt,
  fakeWith,
  ISSUER,
  JWKS_URL,
  makeKey,
  signRaw,
} from './_helpers.js';

const NO_REVOCATION = { revocationCheck: false } as const;

/** Lets background work against the fake (which answers at once) settle. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

afterEach(() => setInFlightSharing(undefined));

/** A debug logger and the lines it got. */
function logger(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => void lines.push(line) };
}

/**
 * Holds the fake's JWKS answers while `held`, releasing them one at a time, first in first out
 * (an error to throw, or nothing for the fake's answer). Installed before the verifier is made.
 */
function gateJwks(fake: FakeProtekt) {
  const original = fake.send;
  const waiting: ((outcome: ProtektError | undefined) => void)[] = [];
  const gate = {
    held: false,
    started: 0,
    releaseOne(outcome?: ProtektError): void {
      waiting.shift()?.(outcome);
    },
  };
  fake.send = async (req) => {
    if (req.path === '/.well-known/jwks.json' && gate.held) {
      gate.started++;
      const outcome = await new Promise<ProtektError | undefined>((r) => waiting.push(r));
      if (outcome) throw outcome;
    }
    return await original(req);
  };
  return gate;
}

/** A token of the fake's first key whose header names another kid. */
async function tokenWithKid(fake: FakeProtekt, kid: string): Promise<string> {
  const k = fake.keys[0]!;
  return signRaw({ alg: k.alg, kid }, claimsAt(fake.clock), k);
}

describe('Cache-Control spellings set how long the keys are kept', () => {
  it('no-cache after another directive, spaces around "=" and before "," are read as written', async () => {
    const cases: [string, number][] = [
      ['private, no-cache', 60], // no-cache: the 60 s floor
      ['no-store , must-revalidate', 60],
      ['max-age = 120', 120],
      ['max-age=120 , public', 120],
    ];
    for (const [cacheControl, ttl] of cases) {
      const fake = await fakeWith();
      fake.cacheControl = cacheControl;
      const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
      expect((await v.verify(await fake.sign())).error).toBeNull();
      fake.clock.advance(ttl - 1);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(1);
      fake.clock.advance(1);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(2);
    }
  });
});

describe('the jwksCache hook', () => {
  const entry = (fake: FakeProtekt, extra: Record<string, unknown> = {}): unknown => ({
    keys: fake.keys.map((k) => k.jwk),
    fetchedAt: fake.clock.t,
    expiresAt: fake.clock.t + 600_000,
    issuer: ISSUER,
    url: JWKS_URL,
    ...extra,
  });
  const storeOf = (value: unknown): JwksCacheStore => ({
    get: async () => value as StoredJwks,
    set: async () => {},
  });

  it('an entry that is not a stored JWKS is refused with that reason, even with its issuer and URL right', async () => {
    const fake = await fakeWith('ES256');
    const values = [
      entry(fake, { keys: {} }),
      entry(fake, { fetchedAt: String(fake.clock.t) }),
      entry(fake, { expiresAt: undefined }),
      ['not', 'a', 'record'],
    ];
    for (const value of values) {
      const { lines, log } = logger();
      const before = fake.jwksFetches;
      const v = fake.verifier(
        { ...NO_REVOCATION, jwksCache: storeOf(value) },
        { log, identity: {} },
      );
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(before + 1);
      expect(lines).toContain(
        '[Protekt] verifyToken: jwksCache.get: entry refused (not a stored JWKS); ignored',
      );
    }
  });

  it('a hook that rejects with a non-Error is named "error" in its debug line', async () => {
    const fake = await fakeWith();
    const { lines, log } = logger();
    const store: JwksCacheStore = {
      get: () => Promise.reject('KV down'),
      set: async () => {},
    };
    const v = fake.verifier({ ...NO_REVOCATION, jwksCache: store }, { log });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(lines).toContain('[Protekt] verifyToken: jwksCache.get failed (error); ignored');
  });

  it('an entry is fresh for its expiresAt - fetchedAt (one that expires when fetched: 60 s)', async () => {
    for (const [lifetime, ttl] of [
      [120_000, 120],
      [0, 60],
    ] as const) {
      const fake = await fakeWith('ES256');
      const { lines, log } = logger();
      const value = entry(fake, { expiresAt: fake.clock.t + lifetime });
      const v = fake.verifier(
        { ...NO_REVOCATION, verifiedCache: false, jwksCache: storeOf(value) },
        { log },
      );
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(lines).toEqual(['[Protekt] verifyToken: JWKS read from jwksCache']);
      fake.clock.advance(ttl - 1);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(0);
      fake.clock.advance(1);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(1);
      await settle();
    }
  });

  it('without a hook, a cold verification writes no debug line at all', async () => {
    const fake = await fakeWith();
    const { lines, log } = logger();
    const v = fake.verifier(NO_REVOCATION, { log });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(lines).toEqual([]);
  });

  it('Workers mode: the hook has its share of the fetch budget, so a slow store does not double the fetch', async () => {
    setInFlightSharing(false);
    const fake = await fakeWith();
    // The store's read takes 80 ms and the fetch 60: longer than the fetch's own budget (100 ms),
    // within the budget with the store's read and write (100 + 2 × 100).
    fake.jwksDelay = 60;
    const store: JwksCacheStore = {
      get: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 80)),
      set: async () => {},
    };
    const v = createTokenVerifier({
      jwksUrl: JWKS_URL,
      issuer: ISSUER,
      audience: AUDIENCE,
      send: fake.send,
      fetchIdentity: {},
      options: { ...NO_REVOCATION, verifiedCache: false, jwksCache: store },
      now: fake.clock.now,
      timeout: 100,
      fetchBudget: 100,
    });
    const token = await fake.sign();
    const results = await Promise.all([v.verify(token), v.verify(token)]);
    expect(results.map((r) => r.error)).toEqual([null, null]);
    // Long enough for a second load (another read of the store, then a fetch) to have fetched.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(fake.jwksFetches).toBe(1);
  });
});

describe('the key set over time', () => {
  it('a clock near the epoch (a device that booted without one) still loads the keys', async () => {
    const fake = await fakeWith();
    fake.clock.t = 5_000;
    const v = fake.verifier(NO_REVOCATION);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });

  it('a clock that went back does not hold an unknown-kid refetch back', async () => {
    const fake = await fakeWith();
    const { lines, log } = logger();
    const v = fake.verifier(NO_REVOCATION, { log });
    await v.verify(await fake.sign());
    fake.clock.advance(31);
    expect((await v.verify(await tokenWithKid(fake, 'unknown_1'))).error?.code).toBe(
      'token_invalid',
    );
    expect(fake.jwksFetches).toBe(2);
    fake.clock.advance(-60);
    expect((await v.verify(await tokenWithKid(fake, 'unknown_2'))).error?.code).toBe(
      'token_invalid',
    );
    expect(fake.jwksFetches).toBe(3);
    expect(lines.filter((l) => l.includes('unknown kid'))).toEqual([
      '[Protekt] verifyToken: unknown kid: refetching the JWKS',
      '[Protekt] verifyToken: unknown kid: refetching the JWKS',
    ]);
  });

  it('an unknown kid joins the refresh in flight without spending its own refetch', async () => {
    const fake = await fakeWith('ES256');
    const gate = gateJwks(fake);
    const { lines, log } = logger();
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false }, { log });
    await v.verify(await fake.sign());
    gate.held = true;
    fake.clock.advance(600);
    expect((await v.verify(await fake.sign())).error).toBeNull(); // starts the refresh
    expect(lines).toContain(
      '[Protekt] verifyToken: JWKS stale: served while refreshed in the background',
    );
    const second = await makeKey('ES256');
    fake.keys.push(second);
    const joined = v.verify(await fake.sign({}, second));
    gate.held = false;
    gate.releaseOne();
    expect((await joined).error).toBeNull();
    expect(gate.started).toBe(1);
    // A kid published just after: its own refetch, at once (none was spent above).
    const third = await makeKey('ES256');
    fake.keys.push(third);
    expect((await v.verify(await fake.sign({}, third))).error).toBeNull();
    expect(lines.filter((l) => l.includes('unknown kid'))).toEqual([
      '[Protekt] verifyToken: unknown kid: refetching the JWKS',
    ]);
  });

  it('a set going stale while an unknown-kid refetch is in flight joins it: one fetch', async () => {
    const fake = await fakeWith('ES256');
    const gate = gateJwks(fake);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    await v.verify(await fake.sign());
    fake.clock.advance(599);
    gate.held = true;
    const second = await makeKey('ES256');
    fake.keys.push(second);
    const unknown = v.verify(await fake.sign({}, second));
    expect(gate.started).toBe(1);
    fake.clock.advance(1);
    expect((await v.verify(await fake.sign())).error).toBeNull(); // stale now
    expect(gate.started).toBe(1);
    gate.held = false;
    gate.releaseOne();
    expect((await unknown).error).toBeNull();
    await settle();
    expect(fake.jwksFetches).toBe(2);
  });

  it('each time the set goes stale it is refreshed, even within a cooldown of the last refresh', async () => {
    const fake = await fakeWith();
    fake.cacheControl = 'max-age=60';
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false, jwksCooldown: 300 });
    await v.verify(await fake.sign());
    for (let i = 2; i <= 4; i++) {
      fake.clock.advance(60);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      await settle();
      expect(fake.jwksFetches).toBe(i);
    }
  });
});

describe('maxStale and cold starts: what jwks_unavailable says', () => {
  it('a cold start against a hanging endpoint says no key is cached', async () => {
    const fake = await fakeWith();
    const gate = gateJwks(fake);
    gate.held = true;
    const v = fake.verifier(NO_REVOCATION, { timeout: 40 });
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'jwks_unavailable',
      message:
        'No key is cached and the JWKS could not be fetched (details.cause says why): check baseUrl.',
      details: { cause: 'timeout' },
    });
    gate.releaseOne();
  });

  it('past maxStale: the cause is the last failure, or timeout for a fetch that hangs', async () => {
    const fake = await fakeWith();
    const gate = gateJwks(fake);
    const { lines, log } = logger();
    const v = fake.verifier({ ...NO_REVOCATION, maxStale: 600 }, { log, timeout: 40 });
    await v.verify(await fake.sign({ exp: fake.clock.seconds + 7200 }));
    fake.jwksOutage = new ProtektError('network_error', 'blocked');
    fake.clock.advance(600);
    const message =
      'The keys were not confirmed by the JWKS within maxStale and it cannot be fetched (details.cause says why).';
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'jwks_unavailable',
      message,
      details: { cause: 'network_error' },
    });
    expect(lines).toContain(
      '[Protekt] verifyToken: JWKS past maxStale and not fetched (network_error)',
    );
    // After the cooldown, the endpoint hangs: the wait ends after one attempt's timeout.
    fake.jwksOutage = null;
    gate.held = true;
    fake.clock.advance(30);
    await expect(v.verify(await fake.sign())).rejects.toMatchObject({
      code: 'jwks_unavailable',
      message,
      details: { cause: 'timeout' },
    });
    expect(lines).toContain('[Protekt] verifyToken: JWKS past maxStale and not fetched (timeout)');
    gate.releaseOne();
  });

  it('a refresh that answers only after maxStale ran out does not confirm the keys (timeout)', async () => {
    const fake = await fakeWith();
    const gate = gateJwks(fake);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false, maxStale: 600 });
    await v.verify(await fake.sign());
    gate.held = true;
    fake.clock.advance(300);
    expect((await v.verify(await fake.sign())).error).toBeNull(); // refresh starts, hangs
    fake.clock.advance(600); // maxStale after the refresh started
    const late = v.verify(await fake.sign());
    await settle();
    gate.held = false;
    gate.releaseOne();
    await expect(late).rejects.toMatchObject({
      code: 'jwks_unavailable',
      details: { cause: 'timeout' },
    });
    // The next verification fetches again, and the keys are confirmed.
    expect((await v.verify(await fake.sign())).error).toBeNull();
  });
});

describe('what the JWKS endpoint answers', () => {
  it('an answer without a "keys" array is an invalid_response, with its status', async () => {
    const fake = await fakeWith();
    fake.jwksOutage = 'http404';
    const error = await fake
      .verifier(NO_REVOCATION)
      .verify(await fake.sign())
      .catch((e: unknown) => e as ProtektError);
    expect(error).toMatchObject({
      code: 'jwks_unavailable',
      status: 404,
      details: { cause: 'invalid_response' },
    });
    expect((error as ProtektError).cause).toMatchObject({
      code: 'invalid_response',
      status: 404,
      message: 'The JWKS endpoint answered HTTP 404 without a "keys" array.',
    });
  });

  it('a set with a private key is refused, the member named in the cause', async () => {
    const fake = await fakeWith('ES256');
    const good = fake.keys[0]!;
    fake.keys = [{ ...good, jwk: { ...good.jwk, d: 'x'.repeat(43) } as typeof good.jwk }];
    const error = await fake
      .verifier(NO_REVOCATION)
      .verify(await fake.sign({}, good))
      .catch((e: unknown) => e as ProtektError);
    expect((error as ProtektError).cause).toMatchObject({
      code: 'invalid_response',
      message: 'JWKS refused: a key carries the private member "d": a JWKS holds public keys only.',
    });
  });

  it('of two keys under one kid, the first published is used (the second is logged)', async () => {
    const fake = await fakeWith('ES256');
    const first = fake.keys[0]!;
    const second = await makeKey('ES256', first.kid);
    fake.keys.push(second);
    const { lines, log } = logger();
    const v = fake.verifier(NO_REVOCATION, { log });
    expect((await v.verify(await fake.sign({}, first))).error).toBeNull();
    expect((await v.verify(await fake.sign({}, second))).error?.details?.reason).toBe('signature');
    expect(lines).toContain('[Protekt] verifyToken: ignoring a JWKS key (duplicate kid)');
  });

  it('a key rotated out: its cached tokens are refused with why, and the line says a key left', async () => {
    const fake = await fakeWith('RS256', 'RS256');
    const [a, b] = [fake.keys[0]!, fake.keys[1]!];
    const { lines, log } = logger();
    const v = fake.verifier(NO_REVOCATION, { log });
    const tokenA = await fake.sign({}, a);
    expect((await v.verify(tokenA)).error).toBeNull();
    fake.keys = [b];
    fake.clock.advance(600);
    await v.verify(tokenA); // served stale; the refresh retires the key
    await settle();
    expect((await v.verify(tokenA)).error).toMatchObject({
      code: 'token_invalid',
      message: "The token's key has left the JWKS (rotated out): the user must sign in again.",
      details: { reason: 'kid' },
    });
    expect(lines).toContain('[Protekt] verifyToken: a key left the JWKS');
  });
});

describe('refusals: messages and debug lines', () => {
  it("an alg that is not its key's, and a bad signature, say so", async () => {
    const fake = await fakeWith('RS256');
    const key = fake.keys[0]!;
    const v = fake.verifier(NO_REVOCATION);
    const wrongAlg = await signRaw({ alg: 'ES256', kid: key.kid }, claimsAt(fake.clock), key);
    expect((await v.verify(wrongAlg)).error).toMatchObject({
      details: { reason: 'alg' },
      message: "The token's alg (ES256) is not its key's (RS256).",
    });
    const token = await fake.sign();
    const cut = token.length - 60;
    const altered = `${token.slice(0, cut)}${token[cut] === 'A' ? 'B' : 'A'}${token.slice(cut + 1)}`;
    expect((await v.verify(altered)).error).toMatchObject({
      details: { reason: 'signature' },
      message: 'The token signature is invalid: the token was altered or not signed by its key.',
    });
  });

  it('a token that ends like a cached one is verified on its own', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    const [header, , signature] = token.split('.');
    const payload = btoa(JSON.stringify(claimsAt(fake.clock, { sub: 'usr_mallory' })))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    const forged = `${header}.${payload}.${signature}`;
    expect((await v.verify(forged)).error?.details?.reason).toBe('signature');
  });

  it('"bearer " is named only as a prefix', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    const inside = (await v.verify('my bearer token')).error?.details?.reason;
    expect(inside).toBe((await v.verify('my other token')).error?.details?.reason);
    expect(inside).not.toBe('bearer');
    expect((await v.verify('Bearer abc')).error?.details?.reason).toBe('bearer');
  });

  it('a refusal without detail (empty, expired) is one bare line; a long found value is cut to 100 characters', async () => {
    const fake = await fakeWith();
    const { lines, log } = logger();
    const v = fake.verifier(NO_REVOCATION, { log });
    await v.verify('');
    await v.verify(await fake.sign({ exp: fake.clock.seconds - 60 }));
    const iss = `https://${'a'.repeat(200)}.example`;
    await v.verify(await fake.sign({ iss }));
    expect(lines).toEqual([
      '[Protekt] verifyToken: refused token_invalid (empty)',
      '[Protekt] verifyToken: refused token_expired (exp)',
      `[Protekt] verifyToken: refused token_invalid (iss): expected ${ISSUER}, found ${JSON.stringify(iss).slice(0, 100)}`,
    ]);
  });

  it('a signal aborted before the call: rejected, and nothing is fetched', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    const token = await fake.sign();
    await expect(v.verify(token, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'aborted',
    });
    await settle();
    expect(fake.requests).toEqual([]);
  });

  it('options: null is no options, nor is waitUntil: undefined; a waitUntil that is not a function is named', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    expect((await v.verify(await fake.sign(), null as never)).error).toBeNull();
    expect((await v.verify(await fake.sign(), { waitUntil: undefined })).error).toBeNull();
    await expect(v.verify(await fake.sign(), { waitUntil: 'soon' as never })).rejects.toMatchObject(
      {
        code: 'invalid_argument',
        message: 'The per-call option waitUntil must be a function.',
        details: { option: 'waitUntil' },
      },
    );
  });
});

describe("endings of a user's sessions", () => {
  it('sessionsOfUser ends the token given even when it was never verified here (no verified cache)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    const token = await fake.sign({ sid: 'ses_1' });
    v.endings.sessionsOfUser(token, false);
    expect((await v.verify(token)).error).toMatchObject({
      code: 'token_revoked',
      details: { reason: 'ended_here' },
    });
  });

  it("sessionsOfUser ends the user's cached tokens without a sid too", async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    const lone = await fake.sign();
    expect((await v.verify(lone)).error).toBeNull();
    v.endings.sessionsOfUser(await fake.sign({ sid: 'ses_2' }), false);
    expect((await v.verify(lone)).error).toMatchObject({
      code: 'token_revoked',
      details: { reason: 'ended_here' },
    });
  });
});
