/**
 * Runtime basics, the same on every runtime of the matrix (see test/conformance/README.md):
 * the three public entries load as a user would import them (from the BUILT package, through its
 * `exports`), loading them touches no `globalThis.crypto`, the web standards the package is
 * built on are present, and one in-process round trip (emulator → client → local token
 * verification) works, which exercises WebCrypto through the package's `#crypto` choice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Namespace = Record<string, unknown>;

const entries: Record<string, Namespace> = {};
let cryptoReadsDuringImport = -1;

describe('package entries', () => {
  beforeAll(async () => {
    // Trap reads of `globalThis.crypto` while the entries load. Where the runtime does not let the
    // global be redefined the trap is skipped (the Node 18 run, which has no global crypto at all,
    // proves the same thing for real).
    const desc = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    let reads = 0;
    let trapped = false;
    if (!desc || desc.configurable) {
      try {
        Object.defineProperty(globalThis, 'crypto', {
          configurable: true,
          enumerable: desc?.enumerable ?? false,
          get() {
            reads++;
            return desc ? (desc.get ? desc.get.call(globalThis) : desc.value) : undefined;
          },
        });
        trapped = true;
      } catch {
        trapped = false;
      }
    }
    try {
      entries['@protekt/node'] = (await import('@protekt/node')) as Namespace;
      entries['@protekt/node/testing'] = (await import('@protekt/node/testing')) as Namespace;
      entries['@protekt/node/hono'] = (await import('@protekt/node/hono')) as Namespace;
    } finally {
      if (trapped) {
        if (desc) Object.defineProperty(globalThis, 'crypto', desc);
        else delete (globalThis as { crypto?: unknown }).crypto;
      }
    }
    cryptoReadsDuringImport = trapped ? reads : 0;
  });

  afterAll(() => {
    for (const k of Object.keys(entries)) delete entries[k];
  });

  it('loads @protekt/node, @protekt/node/testing and @protekt/node/hono', () => {
    expect(Object.keys(entries).sort()).toEqual([
      '@protekt/node',
      '@protekt/node/hono',
      '@protekt/node/testing',
    ]);
    for (const ns of Object.values(entries)) expect(typeof ns).toBe('object');
  });

  it('has named exports only (no default export)', () => {
    for (const ns of Object.values(entries)) expect(Object.keys(ns)).not.toContain('default');
  });

  it('does not read globalThis.crypto at import time', () => {
    expect(cryptoReadsDuringImport).toBe(0);
  });
});

describe('web standards the package is built on', () => {
  it('has fetch, Request, Response and Headers', () => {
    expect(typeof fetch).toBe('function');
    expect(typeof Request).toBe('function');
    expect(typeof Response).toBe('function');
    expect(typeof Headers).toBe('function');
  });

  it('has AbortController and AbortSignal.timeout', () => {
    expect(typeof AbortController).toBe('function');
    expect(typeof AbortSignal.timeout).toBe('function');
    const signal = AbortSignal.timeout(60_000);
    expect(signal.aborted).toBe(false);
  });

  it('has URL, TextEncoder/TextDecoder and atob/btoa', () => {
    expect(new URL('/v1/auth/login', 'http://127.0.0.1:8787').href).toBe(
      'http://127.0.0.1:8787/v1/auth/login',
    );
    const bytes = new TextEncoder().encode('ü');
    expect(bytes).toHaveLength(2);
    expect(new TextDecoder().decode(bytes)).toBe('ü');
    expect(atob(btoa('protekt'))).toBe('protekt');
  });

  it('answers a Response body as JSON', async () => {
    const res = new Response(JSON.stringify({ ok: true }), {
      headers: { 'content-type': 'application/json' },
    });
    await expect(res.json()).resolves.toEqual({ ok: true });
  });
});

describe('one in-process round trip', () => {
  it('signs up a user against an in-process emulator and verifies the access token', async () => {
    const { Protekt } = await import('@protekt/node');
    const { createEmulator } = await import('@protekt/node/testing');
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const protekt = new Protekt({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
    });
    const email = `runtime.${Date.now().toString(36)}@example.com`;
    const signUp = await protekt.auth.signUp({ email, password: 'correct horse battery staple' });
    expect(signUp.error).toBeNull();
    expect(signUp.user?.email).toBe(email);
    expect(typeof signUp.accessToken).toBe('string');
    const verified = await protekt.auth.verifyToken(signUp.accessToken as string);
    expect(verified.error).toBeNull();
    expect(verified.user?.id).toBe(signUp.user?.id);
  });
});
