/**
 * The revocation check's edges that mutation testing found unasserted (npm run test:mutation):
 * the key of an ES256 token (its low-s form), what the window after a miss and its probe hold
 * back and for how long, which answer wins when two land out of order, the background checks'
 * bounds, the `revocationCache` writes, a call's own timeout and abort, and the messages a
 * fail-closed caller sees. Against the emulator, in-process, the verifier on a clock the test
 * moves by hand. Portable (web standards only).
 */
import { describe, expect, it } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';
import type { Emulator } from '../../src/testing/index.js';
import { setInFlightSharing } from '../../src/runtime/in-flight.js';
import { revocationKey } from '../../src/tokens/revocation.js';
import { createVerifier, type StoredRevocation } from '../../src/verify/index.js';
import { freshEmail, testEmulator } from '../support/harness.js';
import {
  bytesOfHex,
  concatBytes,
  encodeBase64url,
  segmentJson,
  watchedSignal,
} from '../support/web.js';

const VERIFY = '/auth/token/verify';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Lets background work (a refresh ahead, a store write) run to its end.
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await sleep(0);
}

// Waits (a bounded number of turns) until the emulator has seen `count` revocation checks.
async function checksSeen(emulator: Emulator, count: number): Promise<void> {
  for (let i = 0; i < 500 && emulator.faults.hits(VERIFY) < count; i++) await sleep(2);
  expect(emulator.faults.hits(VERIFY)).toBe(count);
}

interface Rig {
  emulator: Emulator;
  /** The verifier's clock (ms), moved by the test only. */
  clock: { at: number };
  lines: string[];
  options: ProtektOptions;
  /** A fresh access token of the rig's user (one session each). */
  token: () => Promise<string>;
  admin: Protekt;
}

async function rig(extra: Partial<ProtektOptions> = {}): Promise<Rig> {
  const emulator = testEmulator();
  const user = await emulator.createUser({ email: freshEmail('gaps'), emailVerified: true });
  const clock = { at: emulator.clock.now() };
  const lines: string[] = [];
  const options: ProtektOptions = {
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    now: () => clock.at,
    debug: (line) => void lines.push(line),
    maxRetries: 0,
    ...extra,
  };
  const token = () => emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600 });
  return { emulator, clock, lines, options, token, admin: new Protekt(options) };
}

const skippedLines = (lines: string[]): string[] =>
  lines.filter((line) => line.includes('revocation check skipped'));

describe('revocationKey: one key per signed content', () => {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const r = bytesOfHex('11'.repeat(32));
  const bytesOf = (value: bigint): Uint8Array => bytesOfHex(value.toString(16).padStart(64, '0'));
  const signature = (s: bigint): Uint8Array => concatBytes([r, bytesOf(s)]);
  const keyOf = (alg: string, sig: Uint8Array): string =>
    revocationKey(alg, sig, encodeBase64url(sig));

  it('keys an ES256 signature by its low-s form (s ≤ n/2), whichever half it came in', () => {
    // (n + 1)/2 and its twin (n − 1)/2 share every byte but the last.
    for (const high of [(n + 1n) / 2n, n - 1n, n - 0x1234n, (n * 3n) / 4n]) {
      const low = encodeBase64url(signature(n - high));
      expect(keyOf('ES256', signature(high))).toBe(low);
      expect(keyOf('ES256', signature(n - high))).toBe(low);
    }
  });

  it('keeps as it came an ES256 s above n, and any signature that is not ES256 of 64 bytes', () => {
    for (const s of [n + 1n, n + 0x1234n, 2n ** 256n - 1n]) {
      const sig = signature(s);
      expect(keyOf('ES256', sig)).toBe(encodeBase64url(sig));
    }
    const high = signature(n - 1n);
    for (const alg of ['EdDSA', 'RS256']) expect(keyOf(alg, high)).toBe(encodeBase64url(high));
    const long = concatBytes([high, high.subarray(0, 32)]);
    expect(keyOf('ES256', long)).toBe(encodeBase64url(long));
  });
});

describe('answers that are no verdict', () => {
  it('a 200 without `valid` is thrown as invalid_response naming what came, whatever the policy', async () => {
    const { emulator, options, token } = await rig();
    emulator.faults.add({ path: VERIFY, status: 200, body: '{}' });
    await expect(createVerifier(options).verifyToken(await token())).rejects.toMatchObject({
      code: 'invalid_response',
      status: 200,
      details: { code: 'no valid' },
      message:
        "The revocation check answered no valid, not a verdict: check baseUrl and the API key's rights.",
    });
  });

  it('a rate limit fails open with its debug line, and is thrown as service_unavailable fail-closed', async () => {
    const open = await rig();
    open.emulator.faults.add({ path: VERIFY, status: 429, times: 1 });
    expect((await createVerifier(open.options).verifyToken(await open.token())).error).toBeNull();
    expect(open.lines).toContain(
      '[Protekt] verifyToken: revocation check answered rate_limited: fail-open',
    );
    const closed = await rig({ revocationCheck: { failClosed: true } });
    closed.emulator.faults.add({ path: VERIFY, status: 429, times: 1 });
    await expect(
      createVerifier(closed.options).verifyToken(await closed.token()),
    ).rejects.toMatchObject({
      code: 'service_unavailable',
      status: 429,
      message: 'The revocation check was rate limited.',
      details: { code: 'rate_limited' },
    });
  });
});

describe('the window after a miss, and its probe', () => {
  // maxAge 30: a miss holds checks back for 5 s; one attempt's timeout is 10 s.
  const probing = { timeout: 10_000 };

  it('skips fail-open with a debug line, and fail-closed with its own error', async () => {
    const open = await rig();
    const verifier = createVerifier(open.options);
    open.emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(await open.token())).error).toBeNull();
    expect((await verifier.verifyToken(await open.token())).error).toBeNull();
    expect(skippedLines(open.lines)).toEqual([
      '[Protekt] verifyToken: revocation check skipped (failing with network_error): fail-open',
    ]);
    const closed = await rig({ revocationCheck: { failClosed: true } });
    const strict = createVerifier(closed.options);
    closed.emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    await expect(strict.verifyToken(await closed.token())).rejects.toMatchObject({
      code: 'network_error',
    });
    await expect(strict.verifyToken(await closed.token())).rejects.toMatchObject({
      code: 'network_error',
      message:
        'The revocation check failed moments ago; it is skipped for a few seconds (failClosed).',
      details: { skipped: true },
    });
    expect(closed.emulator.faults.hits(VERIFY)).toBe(1);
    expect(skippedLines(closed.lines)).toEqual([
      '[Protekt] verifyToken: revocation check skipped (failing with network_error): fail-closed',
    ]);
  });

  it('a probe holds the others back for one attempt’s timeout, not a millisecond more', async () => {
    const { emulator, clock, lines, options, token } = await rig(probing);
    const verifier = createVerifier(options);
    const [t1, t2, t3, t4] = [await token(), await token(), await token(), await token()];
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t1)).error).toBeNull();
    clock.at += 6_000; // past the window: the next check is the probe
    emulator.faults.add({ path: VERIFY, delayMs: 300, times: 1 });
    const probe = verifier.verifyToken(t2);
    await checksSeen(emulator, 2);
    clock.at += 9_999;
    expect((await verifier.verifyToken(t3)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(2);
    expect(skippedLines(lines)).toHaveLength(1);
    clock.at += 1; // the probe started one timeout ago: it holds nothing back any more
    expect((await verifier.verifyToken(t4)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
    expect(skippedLines(lines)).toHaveLength(1);
    expect((await probe).error).toBeNull();
  });

  it('a probe started after the clock shows does not hold the others back', async () => {
    const { emulator, clock, lines, options, token } = await rig(probing);
    const verifier = createVerifier(options);
    const [t1, t2, t3] = [await token(), await token(), await token()];
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t1)).error).toBeNull();
    clock.at += 6_000;
    emulator.faults.add({ path: VERIFY, delayMs: 300, times: 1 });
    const probe = verifier.verifyToken(t2);
    await checksSeen(emulator, 2);
    clock.at -= 500; // the clock steps back: still past the window, before the probe
    expect((await verifier.verifyToken(t3)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
    expect(skippedLines(lines)).toEqual([]);
    expect((await probe).error).toBeNull();
  });

  it('a probe that failed holds nothing back once its own window is over', async () => {
    const { emulator, clock, options, token } = await rig(probing);
    const verifier = createVerifier(options);
    const [t1, t2, t3] = [await token(), await token(), await token()];
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t1)).error).toBeNull();
    clock.at += 5_000;
    emulator.faults.add({ path: VERIFY, status: 503, times: 1 });
    expect((await verifier.verifyToken(t2)).error).toBeNull(); // the probe, failed
    clock.at += 5_000;
    expect((await verifier.verifyToken(t3)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
  });

  it('an older probe ending does not release a newer one', async () => {
    const { emulator, clock, lines, options, token } = await rig(probing);
    const verifier = createVerifier(options);
    const [t1, t2, t3, t4] = [await token(), await token(), await token(), await token()];
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t1)).error).toBeNull();
    clock.at += 5_000;
    emulator.faults.add({ path: VERIFY, status: 503, delayMs: 200, times: 1 });
    const first = verifier.verifyToken(t2);
    await checksSeen(emulator, 2);
    clock.at += 10_000; // the first probe is past its timeout: a second one starts
    emulator.faults.add({ path: VERIFY, delayMs: 800, times: 1 });
    const second = verifier.verifyToken(t3);
    await checksSeen(emulator, 3);
    expect((await first).error).toBeNull(); // failed: a new window, then the second probe holds
    clock.at += 5_000;
    expect((await verifier.verifyToken(t4)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
    expect(skippedLines(lines)).toHaveLength(1);
    expect((await second).error).toBeNull();
  });

  it('a check started while nothing failed is no probe', async () => {
    const { emulator, clock, options, token } = await rig({
      ...probing,
      revocationCheck: { maxAge: 10 },
    });
    const verifier = createVerifier(options);
    const [t0, t1, t2] = [await token(), await token(), await token()];
    expect((await verifier.verifyToken(t0)).error).toBeNull();
    clock.at += 8_500; // t0's answer is due for its refresh
    emulator.faults.add({ path: VERIFY, delayMs: 600, times: 1 });
    const slow = verifier.verifyToken(t1);
    await checksSeen(emulator, 2);
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t0)).error).toBeNull(); // its refresh fails: a miss
    await checksSeen(emulator, 3);
    await settle();
    clock.at += 5_000;
    expect((await verifier.verifyToken(t2)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(4);
    expect((await slow).error).toBeNull();
  });

  it('with maxAge 0 a miss holds nothing back', async () => {
    const { emulator, options, token, lines } = await rig({
      ...probing,
      revocationCheck: { maxAge: 0 },
    });
    const verifier = createVerifier(options);
    const [t1, t2, t3] = [await token(), await token(), await token()];
    emulator.faults.add({ path: VERIFY, drop: true, times: 1 });
    expect((await verifier.verifyToken(t1)).error).toBeNull();
    emulator.faults.add({ path: VERIFY, delayMs: 300, times: 1 });
    const slow = verifier.verifyToken(t2);
    await checksSeen(emulator, 2);
    expect((await verifier.verifyToken(t3)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
    expect(skippedLines(lines)).toEqual([]);
    expect((await slow).error).toBeNull();
  });
});

describe('which answers are kept', () => {
  it('maxAge 0: a refusal is kept, a pass never (even when the clock steps back)', async () => {
    const { emulator, clock, options, token, admin } = await rig({
      revocationCheck: { maxAge: 0 },
    });
    const verifier = createVerifier(options);
    const revoked = await token();
    await admin.auth.revokeToken(revoked);
    for (let i = 0; i < 2; i++)
      expect((await verifier.verifyToken(revoked)).error?.code).toBe('token_revoked');
    expect(emulator.faults.hits(VERIFY)).toBe(1);
    const passed = await token();
    expect((await verifier.verifyToken(passed)).error).toBeNull();
    clock.at -= 1_000;
    expect((await verifier.verifyToken(passed)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
  });

  it('forgetting the passes (sessions of a user ended) keeps every refusal', async () => {
    const { emulator, options, token, admin } = await rig();
    // Without a verified-token cache, ending a user's other sessions forgets every cached pass.
    const client = new Protekt({ ...options, verifiedCache: false });
    const verifier = client.auth;
    const [revoked, passed] = [await token(), await token()];
    await admin.auth.revokeToken(revoked);
    expect((await verifier.verifyToken(revoked)).error?.code).toBe('token_revoked');
    expect((await verifier.verifyToken(passed)).error).toBeNull();
    expect((await client.sessions.revokeAll(passed, { keepCurrent: true })).error).toBeNull();
    emulator.faults.add({ path: VERIFY, drop: true, times: Number.POSITIVE_INFINITY });
    expect((await verifier.verifyToken(revoked)).error?.code).toBe('token_revoked');
    expect(emulator.faults.hits(VERIFY)).toBe(2);
    expect((await verifier.verifyToken(passed)).error).toBeNull(); // asked again, failed open
    expect(emulator.faults.hits(VERIFY)).toBe(3);
  });

  it('a refresh landing after a refusal of the same token does not bring the token back', async () => {
    const { emulator, clock, options, token, admin } = await rig();
    const client = new Protekt({ ...options, verifiedCache: false });
    const verifier = client.auth;
    const t = await token();
    expect((await verifier.verifyToken(t)).error).toBeNull();
    clock.at += 25_000; // past the refresh time (15-24 s), within the answer (27-30 s)
    emulator.faults.add({ path: VERIFY, delayMs: 300, after: true, times: 1 });
    expect((await verifier.verifyToken(t)).error).toBeNull(); // the refresh: answered "valid", late
    await checksSeen(emulator, 2);
    await sleep(50);
    // Every pass forgotten (the user's other sessions ended), then the token revoked.
    expect((await client.sessions.revokeAll(t, { keepCurrent: true })).error).toBeNull();
    await admin.auth.revokeToken(t);
    expect((await verifier.verifyToken(t)).error?.code).toBe('token_revoked');
    await sleep(400); // the refresh's "valid" lands
    emulator.faults.add({ path: VERIFY, drop: true, times: Number.POSITIVE_INFINITY });
    expect((await verifier.verifyToken(t)).error?.code).toBe('token_revoked');
  });

  it('a refusal asked in the same millisecond as a pass replaces it', async () => {
    const { emulator, clock, options, token, admin } = await rig();
    const client = new Protekt({ ...options, verifiedCache: false });
    const verifier = client.auth;
    const t = await token();
    expect((await verifier.verifyToken(t)).error).toBeNull();
    clock.at += 25_000;
    emulator.faults.add({ path: VERIFY, delayMs: 150, after: true, times: 1 });
    expect((await verifier.verifyToken(t)).error).toBeNull(); // the refresh: "valid", late
    await checksSeen(emulator, 2);
    await sleep(50);
    expect((await client.sessions.revokeAll(t, { keepCurrent: true })).error).toBeNull();
    await admin.auth.revokeToken(t);
    emulator.faults.add({ path: VERIFY, delayMs: 500, after: true, times: 1 });
    // Asked at the refresh's time, answered after it: "revoked" lands last.
    expect((await verifier.verifyToken(t)).error?.code).toBe('token_revoked');
    emulator.faults.add({ path: VERIFY, drop: true, times: Number.POSITIVE_INFINITY });
    expect((await verifier.verifyToken(t)).error?.code).toBe('token_revoked');
  });

  it('a refresh landing after a newer pass does not shorten it', async () => {
    const { emulator, clock, options, token } = await rig({
      revocationCheck: { failClosed: true },
    });
    const client = new Protekt({ ...options, verifiedCache: false });
    const verifier = client.auth;
    const t = await token();
    expect((await verifier.verifyToken(t)).error).toBeNull();
    clock.at += 25_000;
    emulator.faults.add({ path: VERIFY, delayMs: 300, after: true, times: 1 });
    expect((await verifier.verifyToken(t)).error).toBeNull(); // the refresh, asked at 25 s
    await checksSeen(emulator, 2);
    expect((await client.sessions.revokeAll(t, { keepCurrent: true })).error).toBeNull();
    clock.at += 10_000;
    expect((await verifier.verifyToken(t)).error).toBeNull(); // asked at 35 s: good until 62 s+
    await sleep(400); // the refresh asked at 25 s lands
    emulator.faults.add({ path: VERIFY, drop: true, times: Number.POSITIVE_INFINITY });
    clock.at += 25_000; // 60 s: the pass asked at 35 s still holds
    expect((await verifier.verifyToken(t)).error).toBeNull();
    await settle();
  });
});

describe('checks in the background', () => {
  it('a pass due for refresh is refreshed once however many verifications see it, and again later', async () => {
    const { emulator, clock, options, token } = await rig({ revocationCheck: { maxAge: 10 } });
    const verifier = createVerifier(options);
    const t = await token();
    expect((await verifier.verifyToken(t)).error).toBeNull();
    clock.at += 8_000;
    const results = await Promise.all([1, 2, 3].map(() => verifier.verifyToken(t)));
    for (const { error } of results) expect(error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(2);
    clock.at += 8_500; // the refreshed answer (asked at 8 s) is due in turn
    expect((await verifier.verifyToken(t)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(3);
  });

  it('a refresh that fails fail-closed is only logged', async () => {
    const { emulator, clock, options, token, lines } = await rig({
      revocationCheck: { maxAge: 10, failClosed: true },
    });
    const verifier = createVerifier(options);
    const t = await token();
    expect((await verifier.verifyToken(t)).error).toBeNull();
    clock.at += 8_500;
    emulator.faults.add({ path: VERIFY, status: 503, times: 1 });
    expect((await verifier.verifyToken(t)).error).toBeNull();
    await settle();
    expect(lines).toContain(
      '[Protekt] verifyToken: background revocation check failed (service_unavailable)',
    );
    // Without a debug logger too: the work handed to waitUntil settles, with no rejection.
    const quiet = createVerifier({ ...options, debug: undefined });
    expect((await quiet.verifyToken(t)).error).toBeNull();
    clock.at += 8_500;
    emulator.faults.add({ path: VERIFY, status: 503, times: 1 });
    const handed: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>): void => void handed.push(promise);
    expect((await quiet.verifyToken(t, { waitUntil })).error).toBeNull();
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toBeNull();
  });

  it('acceptBeforeCheck: at most 64 checks run in the background, the others are awaited', async () => {
    const { emulator, options, token, admin } = await rig({
      revocationCheck: { acceptBeforeCheck: true },
    });
    const tokens: string[] = [];
    for (let i = 0; i < 70; i++) {
      tokens.push(await token());
      await admin.auth.revokeToken(tokens[i]!);
    }
    const verifier = createVerifier(options);
    // Long enough for all 70 to reach their check while the first 64 still run.
    emulator.faults.add({ path: VERIFY, delayMs: 1_500, times: 64 });
    const results = await Promise.all(tokens.map((t) => verifier.verifyToken(t)));
    expect(results.filter(({ error }) => error === null)).toHaveLength(64);
    expect(results.filter(({ error }) => error?.code === 'token_revoked')).toHaveLength(6);
    await checksSeen(emulator, 70);
    await sleep(1_600);
    for (const t of tokens)
      expect((await verifier.verifyToken(t)).error?.code).toBe('token_revoked');
    expect(emulator.faults.hits(VERIFY)).toBe(70);
  });
});

describe('concurrent checks of one token', () => {
  for (const [maxAge, asked] of [
    [30, 1],
    [0, 3],
  ] as const) {
    it(`maxAge ${maxAge}: three verifications at once make ${asked} check(s)`, async () => {
      const { emulator, options, token } = await rig({ revocationCheck: { maxAge } });
      const verifier = createVerifier(options);
      const t = await token();
      emulator.faults.add({ path: VERIFY, delayMs: 100, times: 1 });
      const results = await Promise.all([1, 2, 3].map(() => verifier.verifyToken(t)));
      for (const { error } of results) expect(error).toBeNull();
      expect(emulator.faults.hits(VERIFY)).toBe(asked);
    });
  }
});

describe("a call's own timeout and signal", () => {
  it('as on Workers, a call that joined a slow check waits at most its own timeout, then asks itself', async () => {
    const { emulator, options, token } = await rig();
    const verifier = createVerifier(options);
    const t = await token();
    setInFlightSharing(false);
    try {
      emulator.faults.add({ path: VERIFY, delayMs: 600, times: 1 });
      const slow = verifier.verifyToken(t);
      await checksSeen(emulator, 1);
      expect((await verifier.verifyToken(t, { timeout: 100 })).error).toBeNull();
      expect(emulator.faults.hits(VERIFY)).toBe(2);
      expect((await slow).error).toBeNull();
    } finally {
      setInFlightSharing(undefined);
    }
  });

  it('a shared check still ends at the call’s timeout, told in its message', async () => {
    const { emulator, options, token } = await rig({ revocationCheck: { failClosed: true } });
    emulator.faults.add({ path: VERIFY, delayMs: 400, times: 1 });
    const verifier = createVerifier(options);
    await expect(verifier.verifyToken(await token(), { timeout: 50 })).rejects.toMatchObject({
      code: 'timeout',
      message: 'The revocation check did not answer within 50 ms.',
      details: { timeout: 50 },
    });
  });

  // The requests the verifier hands to fetch (passed on to the emulator as they are).
  function watchedFetch(emulator: Emulator): { fetch: typeof fetch; sent: Request[] } {
    const sent: Request[] = [];
    const watched = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      if (request.url.endsWith(VERIFY)) sent.push(request);
      return emulator.fetch(request);
    };
    return { fetch: watched as typeof fetch, sent };
  }

  it("maxAge 0: the caller's abort ends the request in flight, not only the wait", async () => {
    const { emulator, options, token } = await rig({
      timeout: 3_000,
      revocationCheck: { maxAge: 0 },
    });
    const { fetch, sent } = watchedFetch(emulator);
    const verifier = createVerifier({ ...options, fetch });
    emulator.faults.add({ path: VERIFY, delayMs: 1_500, times: 1 });
    const controller = new AbortController();
    const pending = verifier.verifyToken(await token(), { signal: controller.signal });
    await checksSeen(emulator, 1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await settle();
    expect(sent.map((request) => request.signal.aborted)).toEqual([true]);
  });

  it('maxAge 0: a signal aborted while the token was being verified sends no check', async () => {
    const { emulator, options, token } = await rig({ revocationCheck: { maxAge: 0 } });
    const verifier = createVerifier(options);
    expect((await verifier.verifyToken(await token())).error).toBeNull(); // the keys are fetched
    const controller = new AbortController();
    const pending = verifier.verifyToken(await token(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await settle(); // the verification's own work goes on: it must not send the check
    expect(emulator.faults.hits(VERIFY)).toBe(1);
  });

  it("leaves no listener on the caller's signal once a verification is over", async () => {
    for (const maxAge of [30, 0]) {
      const { options, token } = await rig({ revocationCheck: { maxAge } });
      const verifier = createVerifier(options);
      const { signal, live } = watchedSignal();
      for (let i = 0; i < 3; i++)
        expect((await verifier.verifyToken(await token(), { signal })).error).toBeNull();
      expect(live()).toBe(0);
    }
  });
});

describe('revocationCache writes', () => {
  function recordingStore(): {
    store: NonNullable<ProtektOptions['revocationCache']>;
    writes: { key: string; value: StoredRevocation; ttl: number }[];
    reads: string[];
  } {
    const data = new Map<string, StoredRevocation>();
    const writes: { key: string; value: StoredRevocation; ttl: number }[] = [];
    const reads: string[] = [];
    return {
      writes,
      reads,
      store: {
        get: async (key) => {
          reads.push(key);
          return data.get(key) ?? null;
        },
        set: async (key, value, ttl) => {
          writes.push({ key, value, ttl });
          data.set(key, value);
        },
      },
    };
  }

  it('a pass is kept maxAge seconds, a refusal until the token expires', async () => {
    const { clock, options, token, admin } = await rig({ revocationCheck: { maxAge: 20 } });
    const { store, writes } = recordingStore();
    const verifier = createVerifier({ ...options, revocationCache: store });
    const passed = await token();
    expect((await verifier.verifyToken(passed)).error).toBeNull();
    const revoked = await token();
    await admin.auth.revokeToken(revoked);
    expect((await verifier.verifyToken(revoked)).error?.code).toBe('token_revoked');
    await settle();
    const { exp } = segmentJson(revoked, 1) as { exp: number };
    const common = { checkedAt: clock.at, audience: options.loginId };
    expect(writes.map(({ value, ttl }) => ({ value, ttl }))).toEqual([
      { value: expect.objectContaining({ verdict: 'valid', ...common }), ttl: 20 },
      {
        value: expect.objectContaining({ verdict: 'token_revoked', ...common }),
        ttl: Math.ceil(exp - clock.at / 1000),
      },
    ]);
    expect(writes[0]!.value.issuer).toBe(writes[1]!.value.issuer);
    expect(typeof writes[0]!.value.issuer).toBe('string');
  });

  it('is never read nor written with maxAge 0, and never named without one', async () => {
    const { emulator, options, token, lines } = await rig({ revocationCheck: { maxAge: 0 } });
    const { store, writes, reads } = recordingStore();
    const verifier = createVerifier({ ...options, revocationCache: store });
    const t = await token();
    for (let i = 0; i < 2; i++) expect((await verifier.verifyToken(t)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(2);
    expect([writes.length, reads.length]).toEqual([0, 0]);
    const plain = await rig();
    expect((await createVerifier(plain.options).verifyToken(await plain.token())).error).toBeNull();
    await settle();
    expect(plain.lines.join('\n')).not.toMatch(/revocationCache/);
    expect(lines.join('\n')).not.toMatch(/revocationCache/);
  });
});

describe('revocationCache reads', () => {
  it('uses an entry only when it is an answer for this project, asked in the past, young enough', async () => {
    const { emulator, clock, options, token, lines } = await rig({
      revocationCheck: { maxAge: 20 },
    });
    const data = new Map<string, unknown>();
    const store = {
      get: async (key: string) => data.get(key) as StoredRevocation | undefined,
      set: async (key: string, value: StoredRevocation) => void data.set(key, value),
    };
    const t = await token();
    expect(
      (await createVerifier({ ...options, revocationCache: store }).verifyToken(t)).error,
    ).toBeNull();
    await settle();
    const [[key, written]] = [...data] as [[string, StoredRevocation]];
    expect(emulator.faults.hits(VERIFY)).toBe(1);
    const now = clock.at;
    const cases: [Partial<StoredRevocation> | null, string | null][] = [
      [{}, null], // a pass asked at this very millisecond: used
      [{ checkedAt: now - 19_999 }, null], // a pass just young enough: used
      [{ checkedAt: now - 20_000 }, 'older than maxAge'],
      [{ verdict: 'token_revoked', checkedAt: now - 600_000 }, null], // a refusal never ages
      [{ issuer: 'https://auth.example.org' }, 'written for another issuer or audience'],
      [{ checkedAt: Number.NaN }, 'checkedAt is not a past time'],
      [{ checkedAt: String(now) as never }, 'checkedAt is not a past time'],
      [{ checkedAt: now + 1 }, 'checkedAt is not a past time'],
      [{ verdict: 'maybe' as never }, 'not an answer'],
      [null, 'not an answer'],
    ];
    for (const [entry, problem] of cases) {
      data.set(key, entry === null ? 'valid' : { ...written, checkedAt: now, ...entry });
      lines.length = 0;
      const asked = emulator.faults.hits(VERIFY);
      const verifier = createVerifier({ ...options, revocationCache: store });
      const { error } = await verifier.verifyToken(t);
      expect(error?.code ?? null).toBe(problem === null ? (entry?.verdict ?? null) : null);
      expect(emulator.faults.hits(VERIFY) - asked).toBe(problem === null ? 0 : 1);
      expect(lines.filter((line) => line.includes('revocationCache'))).toEqual(
        problem === null
          ? []
          : [`[Protekt] verifyToken: revocationCache.get: entry refused (${problem}); ignored`],
      );
      await settle();
    }
  });

  it('a store that has nothing, or fails, is named only when it fails; the answer stands', async () => {
    const { options, token, lines } = await rig();
    const empty = {
      get: async () => undefined,
      set: async () => {
        throw new RangeError('quota');
      },
    };
    const verifier = createVerifier({ ...options, revocationCache: empty });
    expect((await verifier.verifyToken(await token())).error).toBeNull();
    await settle();
    expect(lines.filter((line) => line.includes('revocationCache'))).toEqual([
      '[Protekt] verifyToken: revocationCache.set failed (RangeError); ignored',
    ]);
    lines.length = 0;
    const throwing = {
      get: async () => {
        throw 'KV down';
      },
      set: async () => {},
    };
    const other = createVerifier({ ...options, revocationCache: throwing });
    expect((await other.verifyToken(await token())).error).toBeNull();
    expect(lines.filter((line) => line.includes('revocationCache'))).toEqual([
      '[Protekt] verifyToken: revocationCache.get failed (error); ignored',
    ]);
    lines.length = 0;
    const hanging = { get: () => new Promise<null>(() => {}), set: async () => {} };
    const waiting = createVerifier({ ...options, timeout: 50, revocationCache: hanging });
    expect((await waiting.verifyToken(await token())).error).toBeNull();
    expect(lines.filter((line) => line.includes('revocationCache'))).toEqual([
      '[Protekt] verifyToken: revocationCache.get failed (TimeoutError); ignored',
    ]);
    // Without a debug logger, a failing store or a refused entry changes nothing either.
    const quiet = { ...options, debug: undefined };
    const refused = { get: async () => 'not an answer', set: empty.set };
    for (const store of [throwing, refused]) {
      const silent = createVerifier({ ...quiet, revocationCache: store as never });
      expect((await silent.verifyToken(await token())).error).toBeNull();
      await settle();
    }
  });

  it('a refresh asks Protekt, not the store holding its own answer; it takes a newer one', async () => {
    const { emulator, clock, options, token } = await rig({ revocationCheck: { maxAge: 10 } });
    const data = new Map<string, StoredRevocation>();
    const store = {
      get: async (key: string) => data.get(key) ?? null,
      set: async (key: string, value: StoredRevocation) => void data.set(key, value),
    };
    const t = await token();
    const first = createVerifier({ ...options, revocationCache: store });
    const second = createVerifier({ ...options, revocationCache: store });
    expect((await first.verifyToken(t)).error).toBeNull();
    await settle();
    expect((await second.verifyToken(t)).error).toBeNull(); // the first one's answer
    expect(emulator.faults.hits(VERIFY)).toBe(1);
    clock.at += 8_500; // both answers are due for a refresh
    expect((await first.verifyToken(t)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(2); // its own answer in the store is no refresh
    expect((await second.verifyToken(t)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(2); // the first one's refresh is newer: taken
  });
});
