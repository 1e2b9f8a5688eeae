/**
 * Sharing work in flight (src/runtime/in-flight.ts): everywhere concurrent calls join one piece of
 * work; where another request's work may never settle (Workers, forced here with
 * setInFlightSharing(false)), a call that joined waits at most the work's budget, then starts it
 * again in the key's place, so a lost fetch costs one more fetch, never one per waiter, and never
 * a hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { setInFlightSharing, shareInFlight } from '../../src/runtime/in-flight.js';
import { createTokenVerifier } from '../../src/tokens/index.js';
import { AUDIENCE, fakeWith, ISSUER, JWKS_URL } from './_helpers.js';

afterEach(() => {
  setInFlightSharing(undefined);
});

// Work that settles when told to (or never), counting how often it was started and how.
function controllable<T>() {
  const pending: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  const starts: boolean[] = [];
  return {
    starts,
    pending,
    start: (shared: boolean): Promise<T> => {
      starts.push(shared);
      return new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('shareInFlight', () => {
  it('joins the work in flight; where waiting is safe, without a bound', async () => {
    setInFlightSharing(true);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = Array.from({ length: 5 }, () =>
      shareInFlight(inflight, 'k', work.start, undefined, 10),
    );
    await sleep(40); // well past the budget: still one work, still waited for
    work.pending[0]!.resolve(7);
    expect(await Promise.all(calls)).toEqual([7, 7, 7, 7, 7]);
    expect(work.starts).toEqual([true]);
    expect(inflight.size).toBe(0);
  });

  it('on Workers, work that settles within its budget is shared by every caller', async () => {
    setInFlightSharing(false);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = Array.from({ length: 50 }, () =>
      shareInFlight(inflight, 'k', work.start, undefined, 1000),
    );
    work.pending[0]!.resolve(1);
    expect(new Set(await Promise.all(calls))).toEqual(new Set([1]));
    expect(work.starts).toEqual([true]);
  });

  it('on Workers, a failure within the budget is every joined caller’s failure (no restart)', async () => {
    setInFlightSharing(false);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = Array.from({ length: 5 }, () =>
      shareInFlight(inflight, 'k', work.start, undefined, 1000),
    );
    work.pending[0]!.reject(new ProtektError('network_error', 'down'));
    for (const outcome of await Promise.allSettled(calls))
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'network_error' } });
    expect(work.starts).toEqual([true]);
  });

  it('on Workers, work that outlives its budget is lost: one caller starts it again, the others join that', async () => {
    setInFlightSharing(false);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = Array.from({ length: 20 }, () =>
      shareInFlight(inflight, 'k', work.start, undefined, 20),
    );
    while (work.starts.length < 2) await sleep(5);
    await sleep(5);
    expect(work.starts).toEqual([true, true]); // the lost one and its one replacement
    work.pending[1]!.resolve(2);
    expect(new Set(await Promise.all(calls.slice(1)))).toEqual(new Set([2]));
    // The first caller started the lost work itself: it waits for its own work, unbounded.
    work.pending[0]!.resolve(1);
    expect(await calls[0]).toBe(1);
  });

  it('on Workers, a second lost work sends each remaining caller to work of its own (never a hang)', async () => {
    setInFlightSharing(false);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = Array.from({ length: 4 }, () =>
      shareInFlight(inflight, 'k', work.start, undefined, 15),
    );
    while (work.starts.length < 4) await sleep(5);
    // The owner; one replacement; when that is lost too, a second one by the caller whose work it
    // replaced, and the last caller on its own.
    expect(work.starts).toEqual([true, true, true, false]);
    // Each settled newest first: every caller takes the work it waited for last.
    for (let i = 3; i >= 0; i--) {
      work.pending[i]!.resolve(i);
      await sleep(1);
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3]);
  });

  it("a caller's abort ends its own wait only, and a caller that gave up starts nothing", async () => {
    setInFlightSharing(false);
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const first = shareInFlight(inflight, 'k', work.start, undefined, 15);
    const controller = new AbortController();
    const joined = shareInFlight(inflight, 'k', work.start, controller.signal, 15);
    controller.abort();
    await expect(joined).rejects.toMatchObject({ code: 'aborted' });
    await sleep(40);
    expect(work.starts).toEqual([true]);
    work.pending[0]!.resolve(3);
    expect(await first).toBe(3);
  });

  it('with share false every call runs its own work', async () => {
    const inflight = new Map<unknown, Promise<number>>();
    const work = controllable<number>();
    const calls = [1, 2, 3].map(() =>
      shareInFlight(inflight, 'k', work.start, undefined, 1000, false),
    );
    for (const [i, p] of work.pending.entries()) p.resolve(i);
    expect(await Promise.all(calls)).toEqual([0, 1, 2]);
    expect(work.starts).toEqual([false, false, false]);
  });
});

describe('the JWKS cache on Workers', () => {
  it('a cold burst shares one fetch', async () => {
    setInFlightSharing(false);
    const fake = await fakeWith();
    fake.jwksDelay = 20;
    const token = await fake.sign();
    const v = fake.verifier({ revocationCheck: false, verifiedCache: false });
    const results = await Promise.all(Array.from({ length: 200 }, () => v.verify(token)));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(fake.jwksFetches).toBe(1);
  });

  it('a cold fetch that never settles (its request ended) is fetched again once, not once per waiter', async () => {
    setInFlightSharing(false);
    const fake = await fakeWith();
    let fetches = 0;
    // The first JWKS fetch never answers, as one cancelled with the request that started it; the
    // next answers after 50 ms.
    const send: typeof fake.send = async (req) => {
      if (req.path === '/.well-known/jwks.json' && fetches++ === 0) return new Promise(() => {});
      await sleep(50);
      return fake.send(req);
    };
    const token = await fake.sign();
    const v = createTokenVerifier({
      jwksUrl: JWKS_URL,
      issuer: ISSUER,
      audience: AUDIENCE,
      send,
      fetchIdentity: {},
      options: { revocationCheck: false },
      now: fake.clock.now,
      timeout: 30,
      fetchBudget: 100,
    });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => v.verify(token)));
    // Each waited one attempt's timeout at most; the keys came too late for this burst.
    for (const r of results) expect(r).toMatchObject({ reason: { code: 'jwks_unavailable' } });
    while (fake.jwksFetches < 1) await sleep(5);
    await sleep(150);
    expect(fetches).toBe(2);
    expect((await v.verify(token)).error).toBeNull();
    expect(fetches).toBe(2);
  });

  it('concurrent revocation checks of one token share one request', async () => {
    setInFlightSharing(false);
    const fake = await fakeWith();
    const token = await fake.sign();
    const v = fake.verifier({ verifiedCache: false });
    const results = await Promise.all(Array.from({ length: 50 }, () => v.verify(token)));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(fake.verifyCalls).toBe(1);
  });
});
