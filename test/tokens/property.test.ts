/**
 * Property tests (fast-check): thousands of random and mutated tokens — bit flips in each
 * segment, character substitutions, segment swaps and splices, re-encodings, truncations and
 * pure noise. The verifier never throws, and never accepts a token whose signed part
 * (`header.payload`) was not signed for this project and still valid.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenVerifier } from '../../src/tokens/index.js';
import { Protekt } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { decodeBase64url, encodeBase64url, encodeBase64urlText } from '../../src/util/base64url.js';
import { claimsAt, type FakeProtekt, fakeWith, ISSUER, makeKey, signRaw } from './_helpers.js';

let fake: FakeProtekt;
let cached: TokenVerifier;
let uncached: TokenVerifier;
/** Signing inputs legitimately signed for project A and valid now. */
const good = new Set<string>();
const pool: string[] = [];

function signingInput(token: string): string {
  return token.slice(0, token.lastIndexOf('.'));
}

beforeAll(async () => {
  fake = await fakeWith('RS256', 'ES256', 'EdDSA');
  cached = fake.verifier({ revocationCheck: false });
  uncached = fake.verifier({ revocationCheck: false, verifiedCache: false });
  const valid: string[] = [];
  for (const k of fake.keys) {
    valid.push(await fake.sign({}, k));
    valid.push(await fake.sign({ aud: 'lp_project_a', plan: 'pro' }, k));
  }
  for (const t of valid) good.add(signingInput(t));
  const stranger = await makeKey('ES256', fake.keys[1]!.kid);
  const bad = [
    await fake.sign({ aud: 'lp_project_b' }),
    await fake.sign({ iss: 'https://evil.example' }),
    await fake.sign({ exp: fake.clock.seconds - 100 }),
    await fake.sign({ nbf: fake.clock.seconds + 100 }),
    await signRaw({ alg: 'ES256', kid: stranger.kid }, claimsAt(fake.clock), stranger),
    await signRaw(
      { alg: 'none', kid: fake.keys[0]!.kid },
      claimsAt(fake.clock),
      fake.keys[0]!,
    ).then((t) => t.replace(/[^.]+$/, '')),
  ];
  pool.push(...valid, ...bad);
  // sanity: the pool's good tokens pass, the bad ones fail
  for (const t of valid) expect((await uncached.verify(t)).error).toBeNull();
  for (const t of bad) expect((await uncached.verify(t)).error).not.toBeNull();
});

async function check(token: unknown): Promise<void> {
  for (const v of [cached, uncached]) {
    const result = await v.verify(token); // a throw fails the property
    if (result.error === null) {
      expect(typeof token).toBe('string');
      expect(good.has(signingInput(token as string))).toBe(true);
      expect(result.claims.iss).toBe(ISSUER);
    } else {
      expect(['token_invalid', 'token_expired']).toContain(result.error.code);
      expect(result.user).toBeNull();
    }
  }
}

const NOISE = 'AZaz09-_.=+/ \n\t\u00e9\u0000{}"\\';

const segmentMutation = fc.record({
  tokenIndex: fc.nat(),
  segment: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('bitflip', 'char', 'insert', 'delete', 'pad', 'std64', 'swapcase'),
  position: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
  char: fc.constantFrom(...NOISE.split('')),
});

interface Mutation {
  tokenIndex: number;
  segment: number;
  kind: string;
  position: number;
  bit: number;
  char: string;
}

function mutate(m: Mutation, from: string[] = pool): string {
  const token = from[m.tokenIndex % from.length]!;
  const parts = token.split('.');
  const seg = parts[m.segment] ?? '';
  let next = seg;
  switch (m.kind) {
    case 'bitflip': {
      const bytes = decodeBase64url(seg);
      if (bytes && bytes.length > 0) {
        const copy = bytes.slice();
        copy[m.position % copy.length]! ^= 1 << m.bit;
        next = encodeBase64url(copy);
      }
      break;
    }
    case 'char': {
      const i = seg.length ? m.position % seg.length : 0;
      next = seg.slice(0, i) + m.char + seg.slice(i + 1);
      break;
    }
    case 'insert': {
      const i = seg.length ? m.position % (seg.length + 1) : 0;
      next = seg.slice(0, i) + m.char + seg.slice(i);
      break;
    }
    case 'delete': {
      const i = seg.length ? m.position % seg.length : 0;
      next = seg.slice(0, i) + seg.slice(i + 1);
      break;
    }
    case 'pad':
      next = `${seg}${'='.repeat(1 + (m.position % 3))}`;
      break;
    case 'std64':
      next = seg.replace(/-/g, '+').replace(/_/g, '/');
      break;
    case 'swapcase': {
      const i = seg.length ? m.position % seg.length : 0;
      const c = seg[i] ?? 'a';
      const swapped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      next = seg.slice(0, i) + swapped + seg.slice(i + 1);
      break;
    }
  }
  parts[m.segment] = next;
  return parts.join('.');
}

describe('property: mutated and random tokens', () => {
  it('single mutations of each segment are never accepted (unless a no-op) and never throw', async () => {
    await fc.assert(
      fc.asyncProperty(segmentMutation, async (m) => {
        await check(mutate(m));
      }),
      { numRuns: 3000 },
    );
  });

  it('stacked mutations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segmentMutation, { minLength: 2, maxLength: 6 }), async (ms) => {
        let token = pool[ms[0]!.tokenIndex % pool.length]!;
        for (const m of ms) token = mutate({ ...m, tokenIndex: 0 }, [token]);
        await check(token);
      }),
      { numRuns: 1000 },
    );
  });

  it('segment swaps and splices across tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ token: fc.nat(), segment: fc.integer({ min: 0, max: 2 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (picks) => {
          const parts = picks.map((p) => pool[p.token % pool.length]!.split('.')[p.segment]!);
          await check(parts.join('.'));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('re-encoded headers and payloads (same JSON meaning, other bytes) keep their old signature and fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom(0, 1),
        fc.constantFrom('space', 'reorder', 'unicode-escape'),
        async (i, seg, how) => {
          const token = pool[i % pool.length]!;
          const parts = token.split('.');
          const json = JSON.parse(
            new TextDecoder().decode(decodeBase64url(parts[seg]!)!),
          ) as Record<string, unknown>;
          let text: string;
          if (how === 'space') text = JSON.stringify(json, null, 1);
          else if (how === 'reorder')
            text = JSON.stringify(Object.fromEntries(Object.entries(json).reverse()));
          else
            text = JSON.stringify(json).replace(
              /[a-z]/,
              (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
            );
          parts[seg] = encodeBase64urlText(text);
          const forged = parts.join('.');
          if (forged !== token) await check(forged);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pure noise: arbitrary strings, dotted base64url and random JSON with real kids', async () => {
    const kids = fake.keys.map((k) => k.kid);
    const b64 = fc.string({
      unit: fc.constantFrom(
        ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''),
      ),
      maxLength: 400,
    });
    const header = fc.record(
      {
        alg: fc.constantFrom('RS256', 'ES256', 'EdDSA', 'none', 'HS256', 'PS256'),
        kid: fc.oneof(fc.constantFrom(...kids), fc.string()),
        typ: fc.constantFrom('JWT', 'at+jwt', 'JWS'),
        jku: fc.webUrl(),
        crit: fc.array(fc.string()),
      },
      { requiredKeys: ['alg'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 2000 }),
          fc.tuple(b64, b64, b64).map((p) => p.join('.')),
          fc
            .tuple(header, fc.jsonValue(), fc.uint8Array({ maxLength: 300 }))
            .map(
              ([h, p, s]) =>
                `${encodeBase64urlText(JSON.stringify(h))}.${encodeBase64urlText(JSON.stringify(p) ?? 'null')}.${encodeBase64url(s)}`,
            ),
          fc.anything(),
        ),
        async (input) => {
          await check(input);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('property: mutations of emulator tokens, through the client', () => {
  let emulator: Emulator;
  let protekt: Protekt;
  const signed = new Set<string>();
  const base: string[] = [];

  beforeAll(async () => {
    emulator = createEmulator();
    const other = emulator.createProject();
    protekt = new Protekt({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      now: () => emulator.clock.now(),
      revocationCheck: false,
    });
    const user = await emulator.createUser({
      email: 'prop@example.com',
      metadata: { plan: 'pro' },
    });
    const otherUser = await emulator.createUser({
      email: 'prop@example.com',
      projectId: other.projectId,
    });
    for (let i = 0; i < 3; i++) {
      const t = await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 7200 });
      signed.add(signingInput(t));
      base.push(t);
      if (i === 1) await emulator.rotateKeys({ alg: 'ES256' });
    }
    base.push(
      await emulator.issueAccessToken({
        userId: otherUser.id as string,
        projectId: other.projectId,
      }),
    );
    base.push(await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 1 }));
    emulator.clock.advance(10_000); // the last one is now expired (beyond the 5 s tolerance)
    for (const t of base.slice(0, 3)) expect((await protekt.auth.verifyToken(t)).error).toBeNull();
    for (const t of base.slice(3)) expect((await protekt.auth.verifyToken(t)).error).not.toBeNull();
  });

  it('no mutation is accepted unless its signed part is one the emulator signed for this project', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segmentMutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        let token = base[ms[0]!.tokenIndex % base.length]!;
        for (const m of ms) token = mutate({ ...m, tokenIndex: 0 }, [token]);
        const result = await protekt.auth.verifyToken(token);
        if (result.error === null) expect(signed.has(signingInput(token))).toBe(true);
        else expect(['token_invalid', 'token_expired']).toContain(result.error.code);
      }),
      { numRuns: 2000 },
    );
  });
});
