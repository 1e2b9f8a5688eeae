/**
 * Cost as work grows, first-seen tokens, warm keys, `revocationCheck: false`:
 * - throughput vs concurrency (1, 10, 100 verifications in flight), RS256;
 * - throughput vs number of keys in the JWKS (1, 10, 100; the token's key is the last), ES256
 *   (P-256 keys are quick to generate);
 * - throughput vs token size (9 claims, +40 and +160 metadata claims), RS256.
 */
import { makeKey, tokenPool } from '../lib/tokens.mjs';
import * as V from '../lib/verifiers.mjs';
import { runRounds } from '../lib/measure.mjs';
import { annotate } from './verify.mjs';

function cycle(pool) {
  let i = 0;
  return () => pool[i++ % pool.length];
}

export async function scaleSuite({ mod, peers, rounds, ms, poolSize, log }) {
  const out = {};

  // Concurrency.
  {
    const key = await makeKey('RS256', 'scale-rs256');
    const pool = await tokenPool(key, poolSize);
    const verifiers = {
      floor: await V.floor(key),
      protekt: await V.protekt(mod, [key], pool[0], { revocationCheck: false }),
      'jose jwtVerify (CryptoKey)': await V.joseKey(peers.jose, key),
    };
    const cases = [];
    for (const c of [1, 10, 100]) {
      for (const [name, verify] of Object.entries(verifiers)) {
        const next = cycle(pool);
        cases.push({
          id: `c${c}|${name}`,
          alg: 'RS256',
          name,
          group: `${c} in flight`,
          concurrency: c,
          fn: (
            (call) => () =>
              call(next())
          )(verify.direct ?? verify),
        });
      }
    }
    log(`scale: concurrency (${cases.length} cases)`);
    const res = await runRounds(cases, {
      rounds,
      ms,
      pairWith: (c) => `${c.id.split('|')[0]}|floor`,
    });
    out.concurrency = annotate(cases, res).map((r, i) => ({ ...r, group: cases[i].group }));
  }

  // Keys in the JWKS.
  {
    const keys = [];
    for (let i = 0; i < 100; i++)
      keys.push(await makeKey('ES256', `scale-es256-${String(i).padStart(3, '0')}`));
    const cases = [];
    let floorKey;
    for (const n of [1, 10, 100]) {
      const set = keys.slice(0, n);
      const key = set[n - 1];
      const pool = await tokenPool(key, Math.min(poolSize, 1500));
      if (n === 1) floorKey = { key, pool };
      const verifiers = {
        protekt: await V.protekt(mod, set, pool[0], { revocationCheck: false }),
        'jose jwtVerify (remote JWKS, warm)': await V.joseRemote(peers.jose, set, pool[0]),
      };
      for (const [name, verify] of Object.entries(verifiers)) {
        await V.sanity(`${name} (${n} keys)`, verify, pool[1]);
        const next = cycle(pool);
        cases.push({
          id: `k${n}|${name}`,
          alg: 'ES256',
          name,
          group: `${n} key${n > 1 ? 's' : ''}`,
          fn: (
            (call) => () =>
              call(next())
          )(verify.direct ?? verify),
        });
      }
    }
    const floor = await V.floor(floorKey.key);
    const next = cycle(floorKey.pool);
    cases.unshift({
      id: 'k|floor',
      alg: 'ES256',
      name: 'floor',
      group: '1 key',
      fn: () => floor(next()),
    });
    log(`scale: keys in the JWKS (${cases.length} cases)`);
    const res = await runRounds(cases, { rounds, ms, pairWith: () => 'k|floor' });
    out.keys = annotate(cases, res).map((r, i) => ({ ...r, group: cases[i].group }));
  }

  // Token size.
  {
    const key = await makeKey('RS256', 'scale-size');
    const cases = [];
    out.tokenSizes = {};
    for (const extra of [0, 40, 160]) {
      const pool = await tokenPool(key, Math.min(poolSize, 1500), extra);
      const label = `${9 + extra} claims, ${(pool[0].length / 1000).toFixed(1)} kB`;
      out.tokenSizes[extra] = pool[0].length;
      const verifiers = {
        floor: await V.floor(key),
        protekt: await V.protekt(mod, [key], pool[0], { revocationCheck: false }),
        // Keeping large verified tokens costs the GC more (every claim is kept twice: claims and
        // user.metadata); this row shows the verifier's own cost apart, as in the first-seen table.
        'protekt (verifiedCache: false)': await V.protekt(mod, [key], pool[0], {
          revocationCheck: false,
          verifiedCache: false,
        }),
        'jose jwtVerify (CryptoKey)': await V.joseKey(peers.jose, key),
      };
      for (const [name, verify] of Object.entries(verifiers)) {
        await V.sanity(`${name} (${label})`, verify, pool[1]);
        const next = cycle(pool);
        cases.push({
          id: `s${extra}|${name}`,
          alg: 'RS256',
          name,
          group: label,
          fn: (
            (call) => () =>
              call(next())
          )(verify.direct ?? verify),
        });
      }
    }
    log(`scale: token size (${cases.length} cases)`);
    const res = await runRounds(cases, {
      rounds,
      ms,
      pairWith: (c) => `${c.id.split('|')[0]}|floor`,
    });
    out.size = annotate(cases, res).map((r, i) => ({ ...r, group: cases[i].group }));
  }
  return out;
}
