/**
 * The bounds of the emulator's per-request state (src/testing/bounded.ts): every collection of
 * short-lived records, the rate limiter, the lockout, the request log, the outbox and the
 * idempotency records stay within their caps, forget the oldest first, and expire on the
 * emulator clock. Also the `users.list` cursor, which names a position within one project.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_IDEMPOTENCY_RECORDS,
  MAX_LIMIT_KEYS,
  MAX_SHORT_LIVED,
  MAX_SSO_REQUESTS,
} from '../../src/testing/bounded.js';
import { stateOf } from '../../src/testing/emulator.js';
import { MAX_LOGGED_CHARS, MAX_LOGGED_REQUESTS, createFaults } from '../../src/testing/faults.js';
import { Lockout, RateLimiter } from '../../src/testing/limits.js';
import { MAX_OUTBOX_MESSAGES, createOutbox } from '../../src/testing/outbox.js';
import { Store } from '../../src/testing/store.js';
import { BASE, call, email, fastEmulator, signUp } from './_helpers.js';

const record = (i: number, headers: Record<string, string> = {}) => ({
  method: 'GET',
  path: `/r/${i}`,
  url: `${BASE}/r/${i}`,
  headers,
  idempotencyKey: null,
  at: i,
});

describe('Store.put', () => {
  it('keeps a map at its cap, forgetting the oldest first; the expired at the front go first', () => {
    const store = new Store();
    const map = store.otps;
    const code = (expiresAt: number) => ({ projectId: 'p', code: '1', expiresAt, attempts: 0 });
    for (let i = 0; i < MAX_SHORT_LIVED + 500; i++) store.put(map, `k${i}`, code(1_000), 0);
    expect(map.size).toBe(MAX_SHORT_LIVED);
    expect(map.has('k0')).toBe(false);
    expect(map.has(`k${MAX_SHORT_LIVED + 499}`)).toBe(true);
    // Stored again: moves to the back, so it outlives the ones stored before it.
    store.put(map, 'k600', code(2_000), 0);
    store.put(map, 'fresh', code(2_000), 0);
    expect(map.has('k600')).toBe(true);
    // Everything stored at first has expired by 1,000: one insert drops them all.
    store.put(map, 'late', code(5_000), 1_000);
    expect([...map.keys()]).toEqual(['k600', 'fresh', 'late']);
  });

  it('the sweep drops every expired record, wherever it sits', () => {
    const store = new Store();
    const link = (expiresAt: number) => ({
      projectId: 'p',
      email: 'a@b.c',
      userId: null,
      expiresAt,
    });
    store.put(store.magicLinks, 'live', link(5_000), 0);
    store.put(store.magicLinks, 'gone', link(100), 0);
    store.sweep(1_000);
    expect([...store.magicLinks.keys()]).toEqual(['live']);
  });
});

describe('RateLimiter', () => {
  const rule = { limit: 2, windowMs: 60_000 };

  it('limits as before, and forgets a window once its events have aged out', () => {
    const limiter = new RateLimiter();
    expect(limiter.hit('a', rule, 0).allowed).toBe(true);
    expect(limiter.hit('a', rule, 1).allowed).toBe(true);
    expect(limiter.hit('a', rule, 2)).toMatchObject({ allowed: false, retryAfter: 60 });
    limiter.hit('b', rule, 30_000);
    limiter.sweep(60_001);
    expect(limiter.size).toBe(1); // a's window is over, b's is not
    expect(limiter.hit('a', rule, 60_001).allowed).toBe(true);
  });

  it('keeps at most its cap of keys, forgetting the least recently hit', () => {
    const limiter = new RateLimiter(100);
    for (let i = 0; i < 250; i++) limiter.hit(`k${i}`, rule, i);
    expect(limiter.size).toBe(100);
    // k150 is hit again: it moves to the back, so the next insert forgets k151, not k150.
    limiter.hit('k150', rule, 300);
    limiter.hit('new', rule, 301);
    expect(limiter.hit('k150', rule, 302)).toMatchObject({ allowed: false });
    expect(limiter.hit('k151', rule, 303)).toMatchObject({ allowed: true, remaining: 1 });
    expect(new RateLimiter().size).toBe(0);
    expect(MAX_LIMIT_KEYS).toBe(10_000);
  });
});

describe('Lockout', () => {
  const rule = { attempts: 3, durationMs: 60_000 };

  it('drops a key whose lock has run out; keeps counts and running locks', () => {
    const lockout = new Lockout();
    for (let i = 0; i < 3; i++) lockout.fail('locked', 0, rule);
    lockout.fail('counting', 0, rule);
    lockout.sweep(30_000);
    expect(lockout.size).toBe(2);
    lockout.sweep(60_000);
    expect(lockout.size).toBe(1);
    expect(lockout.lockedFor('locked', 60_000)).toBe(0);
  });

  it('at its cap forgets unlocked keys first: a flood of fresh failures never unlocks an account', () => {
    const lockout = new Lockout(50);
    for (let i = 0; i < 3; i++) lockout.fail('victim', 0, rule);
    for (let i = 0; i < 5_000; i++) lockout.fail(`fresh${i}`, i, rule);
    expect(lockout.size).toBe(50);
    expect(lockout.lockedFor('victim', 5_000)).toBe(55_000);
  });
});

describe('the request log and the outbox', () => {
  it('keeps the newest 10,000 requests', () => {
    const faults = createFaults();
    for (let i = 0; i < MAX_LOGGED_REQUESTS + 10; i++) faults.record(record(i));
    expect(faults.requests).toHaveLength(MAX_LOGGED_REQUESTS);
    expect(faults.requests[0]!.at).toBe(10);
    expect(faults.requests.at(-1)!.at).toBe(MAX_LOGGED_REQUESTS + 9);
  });

  it('keeps fewer when they are huge: 4 Mi characters of URLs and headers in all', () => {
    const faults = createFaults();
    const big = { 'x-big': 'b'.repeat(64 * 1024) };
    for (let i = 0; i < 200; i++) faults.record(record(i, big));
    expect(faults.requests.length).toBe(Math.floor(MAX_LOGGED_CHARS / (64 * 1024 + 5 + 40)));
    expect(faults.requests.at(-1)!.at).toBe(199);
    // One request over the whole budget is still logged, alone.
    faults.record(record(200, { 'x-huge': 'h'.repeat(MAX_LOGGED_CHARS) }));
    expect(faults.requests.map((r) => r.at)).toEqual([200]);
    faults.clearRequests();
    for (let i = 0; i < 100; i++) faults.record(record(i));
    expect(faults.requests).toHaveLength(100);
  });

  it('the outbox keeps the newest 10,000 messages', () => {
    const outbox = createOutbox();
    for (let i = 0; i < MAX_OUTBOX_MESSAGES + 5; i++) {
      outbox.push({
        to: `u${i}@example.com`,
        channel: 'email',
        kind: 'otp',
        projectId: 'p',
        at: i,
      });
    }
    expect(outbox.messages).toHaveLength(MAX_OUTBOX_MESSAGES);
    expect(outbox.messages[0]!.at).toBe(5);
    expect(outbox.last()!.at).toBe(MAX_OUTBOX_MESSAGES + 4);
  });
});

describe('through the emulator', () => {
  it('SSO requests expire on the emulator clock and are dropped on the next insert', async () => {
    const emu = fastEmulator();
    const state = stateOf(emu)!;
    const start = () =>
      emu.fetch(`${BASE}/auth/sso/authorize?login_id=${emu.project.loginId}&provider=google`);
    const first = new URL((await start()).headers.get('location')!).searchParams.get('request');
    emu.clock.advance(10 * 60_000);
    await start();
    expect(state.store.ssoRequests.has(first!)).toBe(false);
    expect(state.store.ssoRequests.size).toBe(1);
    expect(MAX_SSO_REQUESTS).toBe(1_000);
  });

  it('idempotency records: at most 1,000, the newest still replayed; a digest, not the body', async () => {
    const emu = fastEmulator();
    const state = stateOf(emu)!;
    const revoke = (key: string) =>
      call(emu, 'POST', '/auth/token/revoke', {
        body: { token: `rt_${'x'.repeat(40)}` },
        headers: { 'idempotency-key': key },
      });
    for (let i = 0; i < MAX_IDEMPOTENCY_RECORDS + 50; i++) await revoke(`key-${i}`);
    expect(state.store.idempotency.size).toBe(MAX_IDEMPOTENCY_RECORDS);
    const newest = await revoke(`key-${MAX_IDEMPOTENCY_RECORDS + 49}`);
    expect(newest.headers.get('idempotent-replayed')).toBe('true');
    // The oldest was forgotten: the same key acts again (not a replay).
    const oldest = await revoke('key-0');
    expect(oldest.headers.get('idempotent-replayed')).toBeNull();
    for (const r of state.store.idempotency.values()) expect(r.fingerprint).toMatch(/^[\w-]{43}$/);
  });
});

describe('users.list cursors', () => {
  it('name a position: paging goes on when the last user of a page is deleted meanwhile', async () => {
    const emu = fastEmulator();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await signUp(emu, email('page'))).user.id);
    const first = await call(emu, 'GET', '/auth/users?limit=2');
    expect(first.body.data.map((u: { id: string }) => u.id)).toEqual(ids.slice(0, 2));
    await call(emu, 'DELETE', `/auth/users/${ids[1]}`);
    const next = await call(
      emu,
      'GET',
      `/auth/users?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(next.body.data.map((u: { id: string }) => u.id)).toEqual(ids.slice(2, 4));
    expect(next.body.has_more).toBe(true);
  });
});
