/**
 * The JWKS cache against a fake Protekt that counts its requests: rotation, cooldown under a
 * flood of unknown kids, one fetch for many concurrent cold verifications, TTL from
 * Cache-Control, stale keys during an outage, retired keys, sharing scope, the Workers mode,
 * and the persistence hook.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { jwksTtl, parseMaxAge } from '../../src/tokens/jwks-cache.js';
import type { JwksCacheStore, StoredJwks } from '../../src/tokens/index.js';
import { setInFlightSharing } from '../../src/runtime/in-flight.js';
import { claimsAt, fakeWith, ISSUER, JWKS_URL, makeKey, signRaw } from './_helpers.js';
import { base64urlOfText, onUnhandledRejection, webCrypto } from '../support/web.js';

const NO_REVOCATION = { revocationCheck: false } as const;

/** Lets background work (a refresh against the fake, which answers at once) settle. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

afterEach(() => {
  setInFlightSharing(undefined);
  vi.restoreAllMocks();
});

async function randomKidToken(
  fake: Awaited<ReturnType<typeof fakeWith>>,
  i: number,
): Promise<string> {
  const k = fake.keys[0]!;
  const token = await signRaw({ alg: k.alg, kid: k.kid }, claimsAt(fake.clock), k);
  const [, p, s] = token.split('.');
  const header = base64urlOfText(JSON.stringify({ alg: k.alg, kid: `rnd_${i}_${Math.random()}` }));
  return `${header}.${p}.${s}`;
}

describe('Cache-Control and TTL', () => {
  it('parses max-age and no-store', () => {
    expect(parseMaxAge('public, max-age=120')).toBe(120);
    expect(parseMaxAge('max-age="300", must-revalidate')).toBe(300);
    expect(parseMaxAge('s-maxage=50')).toBeUndefined();
    expect(parseMaxAge('no-store')).toBe(0);
    expect(parseMaxAge(null)).toBeUndefined();
    expect(jwksTtl(null, undefined)).toBe(600);
    expect(jwksTtl(null, 5)).toBe(60);
    expect(jwksTtl(null, 10 ** 9)).toBe(86_400);
    expect(jwksTtl(42, 3600)).toBe(42);
  });

  it('refetches when max-age runs out, not before', async () => {
    const fake = await fakeWith();
    fake.cacheControl = 'public, max-age=120';
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    fake.clock.advance(119);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
    fake.clock.advance(1);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(2);
  });

  it('defaults to 600 s without Cache-Control; jwksCacheMaxAge overrides it', async () => {
    const fake = await fakeWith();
    fake.cacheControl = null;
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    await v.verify(await fake.sign());
    fake.clock.advance(599);
    await v.verify(await fake.sign());
    expect(fake.jwksFetches).toBe(1);
    fake.clock.advance(1);
    await v.verify(await fake.sign());
    expect(fake.jwksFetches).toBe(2);

    const other = await fakeWith();
    const short = other.verifier({ ...NO_REVOCATION, verifiedCache: false, jwksCacheMaxAge: 10 });
    await short.verify(await other.sign());
    other.clock.advance(10);
    await short.verify(await other.sign());
    expect(other.jwksFetches).toBe(2);
  });
});

describe('unknown kids and rotation', () => {
  it('picks up a rotated key after an unknown kid', async () => {
    const fake = await fakeWith('RS256');
    const v = fake.verifier(NO_REVOCATION);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    const next = await makeKey('ES256');
    fake.keys.push(next);
    expect((await v.verify(await fake.sign({}, next))).error).toBeNull();
    expect(fake.jwksFetches).toBe(2);
  });

  it('a flood of random kids: at most one fetch per cooldown', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    await v.verify(await fake.sign());
    fake.clock.advance(31);
    const tokens = await Promise.all(
      Array.from({ length: 300 }, (_, i) => randomKidToken(fake, i)),
    );
    // concurrent and sequential floods within one cooldown
    const results = await Promise.all(tokens.slice(0, 150).map((t) => v.verify(t)));
    for (const t of tokens.slice(150)) results.push(await v.verify(t));
    expect(results.every((r) => r.error?.code === 'token_invalid')).toBe(true);
    expect(fake.jwksFetches).toBe(2);
    fake.clock.advance(29);
    await Promise.all(tokens.map((t) => v.verify(t)));
    expect(fake.jwksFetches).toBe(2);
    fake.clock.advance(1);
    await Promise.all(tokens.map((t) => v.verify(t)));
    expect(fake.jwksFetches).toBe(3);
  });

  it('jwksCooldown is configurable', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ ...NO_REVOCATION, jwksCooldown: 5 });
    await v.verify(await fake.sign());
    fake.clock.advance(5);
    await v.verify(await randomKidToken(fake, 1));
    await v.verify(await randomKidToken(fake, 2));
    expect(fake.jwksFetches).toBe(2);
    fake.clock.advance(5);
    await v.verify(await randomKidToken(fake, 3));
    expect(fake.jwksFetches).toBe(3);
  });

  it('a key that leaves the JWKS is dropped, with its cached verifications', async () => {
    const fake = await fakeWith('RS256', 'RS256');
    const [a, b] = fake.keys as [
      NonNullable<(typeof fake.keys)[0]>,
      NonNullable<(typeof fake.keys)[0]>,
    ];
    const v = fake.verifier(NO_REVOCATION);
    const tokenA = await fake.sign({}, a);
    expect((await v.verify(tokenA)).error).toBeNull();
    expect((await v.verify(tokenA)).error).toBeNull(); // cached
    fake.keys = [b];
    fake.clock.advance(600);
    // Stale-while-revalidate: the stale set answers while its refresh runs, then the refresh
    // retires the key.
    expect((await v.verify(tokenA)).error).toBeNull();
    await settle();
    expect((await v.verify(tokenA)).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'kid' },
    });
    expect((await v.verify(await fake.sign({}, b))).error).toBeNull();
  });

  it('a key re-published unchanged is not imported again', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    const spy = vi.spyOn(webCrypto().subtle, 'importKey');
    for (let i = 0; i < 5; i++) {
      expect((await v.verify(await fake.sign())).error).toBeNull();
      fake.clock.advance(600);
    }
    expect(fake.jwksFetches).toBe(5);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('a kid re-published with different material is a new key', async () => {
    const fake = await fakeWith('RS256');
    const old = fake.keys[0]!;
    const v = fake.verifier(NO_REVOCATION);
    const oldToken = await fake.sign({}, old);
    expect((await v.verify(oldToken)).error).toBeNull();
    const replacement = await makeKey('RS256', old.kid);
    fake.keys = [replacement];
    fake.clock.advance(600);
    await v.verify(oldToken); // served by the stale set; starts the refresh
    await settle();
    expect((await v.verify(oldToken)).error?.code).toBe('token_invalid');
    expect((await v.verify(await fake.sign({}, replacement))).error).toBeNull();
  });
});

describe('concurrency', () => {
  it('1,000 concurrent verifications on a cold cache: one JWKS fetch, one key import', async () => {
    const fake = await fakeWith();
    fake.jwksDelay = 20;
    const token = await fake.sign();
    const spy = vi.spyOn(webCrypto().subtle, 'importKey');
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    const results = await Promise.all(Array.from({ length: 1000 }, () => v.verify(token)));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(fake.jwksFetches).toBe(1);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('clients with the same fetch and URL share keys; another fetch identity does not', async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    const a = fake.verifier(NO_REVOCATION);
    const b = fake.verifier(NO_REVOCATION, { audience: 'lp_project_b' });
    await a.verify(token);
    expect((await b.verify(token)).error?.details?.reason).toBe('aud');
    expect(fake.jwksFetches).toBe(1);
    const c = fake.verifier(NO_REVOCATION, { identity: {} });
    expect((await c.verify(token)).error).toBeNull();
    expect(fake.jwksFetches).toBe(2);
  });

  it('Workers mode: concurrent misses share one fetch (each waits a bounded time), cooldown still bounds floods', async () => {
    setInFlightSharing(false);
    const fake = await fakeWith();
    fake.jwksDelay = 5;
    const token = await fake.sign();
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    const results = await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(fake.jwksFetches).toBe(1); // the fetch settled within its budget: shared by all
    fake.clock.advance(31);
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => randomKidToken(fake, i)));
    await Promise.all(flood.map((t) => v.verify(t)));
    expect(fake.jwksFetches).toBe(2);
  });

  it("a caller's abort ends its wait but not the shared fetch", async () => {
    const fake = await fakeWith();
    fake.jwksDelay = 30;
    const token = await fake.sign();
    const v = fake.verifier(NO_REVOCATION);
    const controller = new AbortController();
    const first = v.verify(token);
    const aborted = v.verify(token, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    expect((await first).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });
});

describe('outages', () => {
  it('warm keys keep verifying through an outage; refresh retried once per cooldown', async () => {
    const fake = await fakeWith();
    const lines: string[] = [];
    const v = fake.verifier(
      { ...NO_REVOCATION, verifiedCache: false },
      { log: (l) => lines.push(l) },
    );
    expect((await v.verify(await fake.sign())).error).toBeNull();
    fake.jwksOutage = new ProtektError('service_unavailable', 'down', { status: 503 });
    fake.clock.advance(601);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(2);
    expect(lines.some((l) => l.includes('serving the cached keys'))).toBe(true);
    for (let i = 0; i < 20; i++) expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(2);
    fake.clock.advance(30);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(3);
    fake.jwksOutage = null;
    fake.clock.advance(30);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(fake.jwksFetches).toBe(4);
  });

  it('cold outage throws jwks_unavailable, then recovers as soon as the JWKS is back', async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    fake.jwksOutage = new ProtektError('timeout', 'slow');
    const v = fake.verifier(NO_REVOCATION);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => v.verify(token)));
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as ProtektError).code === 'jwks_unavailable',
      ),
    ).toBe(true);
    expect(fake.jwksFetches).toBe(1);
    fake.jwksOutage = null;
    expect((await v.verify(token)).error).toBeNull();
  });

  it('an unknown kid during an outage with warm keys is token_invalid (never a throw)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    await v.verify(await fake.sign());
    fake.jwksOutage = new ProtektError('network_error', 'down');
    fake.clock.advance(31);
    expect((await v.verify(await randomKidToken(fake, 0))).error?.code).toBe('token_invalid');
  });
});

describe('jwksCache hook', () => {
  class MemoryStore implements JwksCacheStore {
    data = new Map<string, StoredJwks>();
    gets = 0;
    sets = 0;
    async get(url: string): Promise<StoredJwks | undefined> {
      this.gets++;
      return this.data.get(url);
    }
    async set(url: string, value: StoredJwks): Promise<void> {
      this.sets++;
      this.data.set(url, value);
    }
  }

  it('is written after a fetch and read before the network by a fresh isolate', async () => {
    const fake = await fakeWith();
    const store = new MemoryStore();
    const token = await fake.sign();
    expect(
      (await fake.verifier({ ...NO_REVOCATION, jwksCache: store }).verify(token)).error,
    ).toBeNull();
    expect(store.sets).toBe(1);
    const stored = store.data.get(JWKS_URL)!;
    expect(stored.fetchedAt).toBe(fake.clock.t);
    expect(stored.expiresAt).toBe(fake.clock.t + 600_000);
    // a "new isolate": another fetch identity, same store
    const fresh = fake.verifier({ ...NO_REVOCATION, jwksCache: store }, { identity: {} });
    expect((await fresh.verify(token)).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
    expect(store.gets).toBe(2);
  });

  it('expired stored keys are refreshed, and served if the refresh fails', async () => {
    const fake = await fakeWith();
    const store = new MemoryStore();
    const token = await fake.sign();
    store.data.set(JWKS_URL, {
      keys: fake.keys.map((k) => k.jwk),
      fetchedAt: fake.clock.t - 700_000,
      expiresAt: fake.clock.t - 100_000,
      issuer: ISSUER,
      url: JWKS_URL,
    });
    fake.jwksOutage = new ProtektError('network_error', 'down');
    expect(
      (await fake.verifier({ ...NO_REVOCATION, jwksCache: store }).verify(token)).error,
    ).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });

  it('errors and garbage from the hook are ignored (logged), never fatal', async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    const lines: string[] = [];
    const broken: JwksCacheStore = {
      get: () => Promise.reject(new Error('KV down')),
      set: () => Promise.reject(new Error('KV down')),
    };
    expect(
      (
        await fake
          .verifier({ ...NO_REVOCATION, jwksCache: broken }, { log: (l) => lines.push(l) })
          .verify(token)
      ).error,
    ).toBeNull();
    expect(lines.filter((l) => l.includes('jwksCache')).length).toBe(2);
    const garbage = {
      get: async () => ({ keys: 'nope' }) as unknown as StoredJwks,
      set: async () => {},
    };
    expect(
      (
        await fake
          .verifier({ ...NO_REVOCATION, jwksCache: garbage }, { identity: {} })
          .verify(token)
      ).error,
    ).toBeNull();
  });

  it("a hook that never answers is given one attempt's timeout, then ignored (logged): the keys come from the network", async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    const lines: string[] = [];
    const never = new Promise<never>(() => {});
    const hanging: JwksCacheStore = { get: () => never, set: () => never };
    const result = await fake
      .verifier(
        { ...NO_REVOCATION, jwksCache: hanging },
        { log: (l) => lines.push(l), timeout: 30 },
      )
      .verify(token);
    expect(result.error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
    expect(lines.filter((l) => l.includes('jwksCache') && l.includes('TimeoutError'))).toHaveLength(
      2,
    );
  });
});

/**
 * A JWKS endpoint that hangs while `held`: each request is counted in `started` and waits until
 * `release(outcome)` (an error to throw, or nothing to answer the fake's set). Installed before
 * the verifier is made (the verifier keeps the `send` it was given).
 */
function gateJwks(fake: Awaited<ReturnType<typeof fakeWith>>) {
  const original = fake.send;
  const waiting: ((outcome: ProtektError | undefined) => void)[] = [];
  const gate = {
    held: false,
    started: 0,
    release(outcome?: ProtektError): void {
      for (const resolve of waiting.splice(0)) resolve(outcome);
    },
  };
  fake.send = async (req) => {
    if (req.path === '/.well-known/jwks.json' && gate.held) {
      gate.started++;
      const outcome = await new Promise<ProtektError | undefined>((r) => waiting.push(r));
      if (outcome) throw outcome;
    }
    return original(req);
  };
  return gate;
}

describe('stale-while-revalidate', () => {
  it('a stale set answers at once while its one refresh hangs: 50 concurrent, one fetch, nobody waits', async () => {
    const fake = await fakeWith('ES256');
    const gate = gateJwks(fake);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    gate.held = true;
    fake.clock.advance(601);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => fake.sign()));
    const started = performance.now();
    const results = await Promise.all(tokens.map((t) => v.verify(t)));
    expect(performance.now() - started).toBeLessThan(100);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(gate.started).toBe(1);
    gate.release();
    await settle();
    fake.clock.advance(1);
    expect((await v.verify(tokens[0]!)).error).toBeNull();
    expect(gate.started).toBe(1); // refreshed: fresh again
  });

  it("an unknown kid during a hanging refresh waits one attempt's timeout, not the refresh", async () => {
    const fake = await fakeWith('ES256');
    const gate = gateJwks(fake);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false }, { timeout: 60 });
    await v.verify(await fake.sign());
    gate.held = true;
    fake.clock.advance(601);
    await v.verify(await fake.sign()); // starts the background refresh
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => v.verify(await randomKidToken(fake, i))),
    );
    const elapsed = performance.now() - started;
    expect(results.every((r) => r.error?.code === 'token_invalid')).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(50);
    expect(elapsed).toBeLessThan(400);
    expect(gate.started).toBe(1);
    gate.release(new ProtektError('timeout', 'slow'));
  });

  it("a cold start against a hanging endpoint throws jwks_unavailable after one attempt's timeout; the fetch goes on", async () => {
    const fake = await fakeWith();
    const gate = gateJwks(fake);
    gate.held = true;
    const v = fake.verifier(NO_REVOCATION, { timeout: 40 });
    const token = await fake.sign();
    const started = performance.now();
    const error = await v.verify(token).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(400);
    expect(error).toMatchObject({ code: 'jwks_unavailable', details: { cause: 'timeout' } });
    gate.held = false;
    gate.release();
    await settle();
    expect((await v.verify(token)).error).toBeNull();
    expect(gate.started).toBe(1);
  });

  it('the cooldown after a failed refresh counts from when the failure ENDED', async () => {
    const fake = await fakeWith();
    const gate = gateJwks(fake);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
    await v.verify(await fake.sign());
    gate.held = true;
    fake.clock.advance(601);
    await v.verify(await fake.sign()); // refresh starts at T
    fake.clock.advance(20); // ... and hangs for 20 s
    gate.release(new ProtektError('timeout', 'slow')); // fails at T + 20
    await settle();
    fake.clock.advance(29);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(gate.started).toBe(1); // 49 s after the start, 29 s after the end: not yet
    fake.clock.advance(1);
    expect((await v.verify(await fake.sign())).error).toBeNull();
    expect(gate.started).toBe(2);
    gate.release();
  });

  it('Workers mode: a background refresh that never settles (cancelled with its request) is retried after the cooldown; no unhandled rejection', async () => {
    setInFlightSharing(false);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    const stopListening = onUnhandledRejection(onUnhandled);
    try {
      const fake = await fakeWith();
      const gate = gateJwks(fake);
      const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false });
      await v.verify(await fake.sign());
      gate.held = true;
      fake.clock.advance(601);
      for (let i = 0; i < 5; i++) expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(gate.started).toBe(1);
      fake.clock.advance(30);
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(gate.started).toBe(2);
      gate.release(new ProtektError('network_error', 'cancelled'));
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      stopListening();
    }
  });
});

describe('maxStale: keys are not trusted for ever behind a blocked network', () => {
  it('stale keys verify until maxStale (default 24 h) after their last confirmation, then jwks_unavailable', async () => {
    const fake = await fakeWith();
    const v = fake.verifier(NO_REVOCATION);
    const confirmed = fake.clock.t;
    expect((await v.verify(await fake.sign())).error).toBeNull();
    fake.jwksOutage = new ProtektError('network_error', 'blocked');
    fake.clock.t = confirmed + 86_399_000;
    const cached = await fake.sign({ exp: fake.clock.seconds + 7200 });
    expect((await v.verify(cached)).error).toBeNull();
    expect((await v.verify(cached)).error).toBeNull(); // a verified-cache hit
    await settle();
    fake.clock.t = confirmed + 86_400_000 + 30_000; // past the bound, out of the cooldown
    for (const token of [cached, await fake.sign()]) {
      await expect(v.verify(token)).rejects.toMatchObject({
        code: 'jwks_unavailable',
        details: { cause: 'network_error' },
      });
    }
    // Within the cooldown of that failure: thrown at once, no fetch.
    const fetches = fake.jwksFetches;
    await expect(v.verify(cached)).rejects.toMatchObject({ code: 'jwks_unavailable' });
    expect(fake.jwksFetches).toBe(fetches);
    // The network back: the next fetch after the cooldown confirms the keys again.
    fake.jwksOutage = null;
    fake.clock.advance(30);
    expect((await v.verify(await fake.sign())).error).toBeNull();
  });

  it('maxStale is an option (60 s to 7 days); keys are refreshed after half of it at most', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false, maxStale: 600 });
    fake.cacheControl = 'max-age=86400';
    await v.verify(await fake.sign());
    fake.clock.advance(299);
    await v.verify(await fake.sign());
    expect(fake.jwksFetches).toBe(1);
    fake.clock.advance(1);
    await v.verify(await fake.sign());
    expect(fake.jwksFetches).toBe(2); // half of maxStale, although max-age says a day
    for (const maxStale of [59, 604_801, '3600', Number.NaN]) {
      expect(() => fake.verifier({ maxStale } as never)).toThrow(/maxStale/);
    }
  });
});

describe('a jwksCache store is checked like the network', () => {
  const entry = (
    fake: Awaited<ReturnType<typeof fakeWith>>,
    keys: JsonWebKey[],
    extra: Partial<StoredJwks> = {},
  ): StoredJwks => ({
    keys,
    fetchedAt: fake.clock.t,
    expiresAt: fake.clock.t + 86_400_000,
    issuer: ISSUER,
    url: JWKS_URL,
    ...extra,
  });
  const storeOf = (value: StoredJwks): JwksCacheStore => ({
    get: async () => value,
    set: async () => {},
  });

  it.each([
    ['a key with private members', { keys: 'private' }, 'private member'],
    ['a fetchedAt in the future', { fetchedAt: 60_000 }, 'in the future'],
    ['another issuer', { issuer: 'https://evil.example' }, 'another issuer'],
    ['another JWKS URL', { url: 'https://evil.example/jwks.json' }, 'another issuer'],
    ['no issuer or URL (a store that ignores its key)', { issuer: undefined }, 'another issuer'],
    ['an age past maxStale', { fetchedAt: -86_400_000 }, 'older than maxStale'],
    ['an expiresAt before its fetchedAt', { expiresAt: -1 }, 'expiresAt is before'],
  ] as const)(
    'an entry with %s is refused (logged): the keys come from the network',
    async (_what, change, line) => {
      const fake = await fakeWith('ES256');
      const attacker = await makeKey('ES256', fake.keys[0]!.kid);
      const value = entry(fake, [attacker.jwk]);
      if ('keys' in change) value.keys = [{ ...attacker.jwk, d: 'x'.repeat(43) } as JsonWebKey];
      if ('fetchedAt' in change) value.fetchedAt = fake.clock.t + change.fetchedAt;
      if ('issuer' in change) value.issuer = change.issuer;
      if ('url' in change) value.url = change.url;
      if ('expiresAt' in change) value.expiresAt = value.fetchedAt + change.expiresAt;
      const lines: string[] = [];
      const v = fake.verifier(
        { ...NO_REVOCATION, jwksCache: storeOf(value) },
        { log: (l) => lines.push(l) },
      );
      const forged = await fake.sign({}, attacker);
      expect((await v.verify(forged)).error?.code).toBe('token_invalid');
      expect((await v.verify(await fake.sign())).error).toBeNull();
      expect(fake.jwksFetches).toBe(1);
      expect(
        lines.some((l) => l.includes('jwksCache.get: entry refused') && l.includes(line)),
      ).toBe(true);
      // And with the network down too: refused, so nothing to verify with.
      const down = await fakeWith('ES256');
      down.jwksOutage = new ProtektError('network_error', 'blocked');
      value.fetchedAt += down.clock.t - fake.clock.t;
      value.expiresAt += down.clock.t - fake.clock.t;
      const cold = down.verifier({ ...NO_REVOCATION, jwksCache: storeOf(value) });
      await expect(cold.verify(await down.sign({}, attacker))).rejects.toMatchObject({
        code: 'jwks_unavailable',
      });
    },
  );

  it('planted keys claiming a day of freshness are replaced within 10 minutes when the JWKS is reachable, and never used past maxStale when it is not', async () => {
    const fake = await fakeWith('ES256');
    const attacker = await makeKey('ES256');
    const value = entry(fake, [attacker.jwk, fake.keys[0]!.jwk]);
    const v = fake.verifier({ ...NO_REVOCATION, verifiedCache: false, jwksCache: storeOf(value) });
    const forged = await fake.sign({ exp: fake.clock.seconds + 7 * 86_400 }, attacker);
    expect((await v.verify(forged)).error).toBeNull(); // the hook is trusted: that is its job
    expect(fake.jwksFetches).toBe(0);
    fake.clock.advance(600);
    await v.verify(forged); // stale: served while the real JWKS is fetched
    await settle();
    expect((await v.verify(forged)).error?.code).toBe('token_invalid');

    const blocked = await fakeWith('ES256');
    blocked.jwksOutage = new ProtektError('network_error', 'blocked');
    const planted = entry(blocked, [attacker.jwk]);
    const w = blocked.verifier({ ...NO_REVOCATION, jwksCache: storeOf(planted) });
    expect((await w.verify(forged)).error).toBeNull();
    blocked.clock.advance(86_400);
    await expect(w.verify(forged)).rejects.toMatchObject({ code: 'jwks_unavailable' });
  });

  it('a fetched set with private members is refused whole: a failed fetch', async () => {
    const fake = await fakeWith('ES256');
    const good = fake.keys[0]!;
    fake.keys = [{ ...good, jwk: { ...good.jwk, d: 'x'.repeat(43) } as typeof good.jwk }];
    const v = fake.verifier(NO_REVOCATION);
    await expect(v.verify(await fake.sign({}, good))).rejects.toMatchObject({
      code: 'jwks_unavailable',
      details: { cause: 'invalid_response' },
    });
  });

  it('what the hook stores names its issuer and URL, and is read back by a fresh isolate', async () => {
    const fake = await fakeWith();
    const saved = new Map<string, StoredJwks>();
    const store: JwksCacheStore = {
      get: async (url) => saved.get(url),
      set: async (url, value) => void saved.set(url, value),
    };
    const token = await fake.sign();
    expect(
      (await fake.verifier({ ...NO_REVOCATION, jwksCache: store }).verify(token)).error,
    ).toBeNull();
    expect(saved.get(JWKS_URL)).toMatchObject({ issuer: ISSUER, url: JWKS_URL });
    const fresh = fake.verifier({ ...NO_REVOCATION, jwksCache: store }, { identity: {} });
    expect((await fresh.verify(token)).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });

  it('a kid missing from a stored set is fetched (the store may predate a rotation)', async () => {
    const fake = await fakeWith('ES256');
    const value = entry(fake, [fake.keys[0]!.jwk]);
    const next = await makeKey('ES256');
    fake.keys.push(next);
    const v = fake.verifier({ ...NO_REVOCATION, jwksCache: storeOf(value) });
    expect((await v.verify(await fake.sign({}, next))).error).toBeNull();
    expect(fake.jwksFetches).toBe(1);
  });
});
