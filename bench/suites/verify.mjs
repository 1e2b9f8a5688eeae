/**
 * verifyToken throughput against the floor and the peers:
 * - first-seen tokens (each verification is of a token the verifier has not seen: a pool larger
 *   than our verified-token cache, cycled), warm keys, for RS256, ES256 and EdDSA;
 * - the same token again (the user's next request), served by our verified-token cache.
 * Every verifier passes a fairness check first (accepts a valid token, refuses a forged signature).
 */
import { ALGS, makeKey, tokenPool, jwksFetch } from '../lib/tokens.mjs';
import * as V from '../lib/verifiers.mjs';
import { runRounds } from '../lib/measure.mjs';

export async function loadPeers() {
  const [jose, honoJwt, clerkBackend, authJs] = await Promise.all([
    import('jose6'),
    import('hono/utils/jwt'),
    import('@clerk/backend'),
    import('@supabase/auth-js'),
  ]);
  return { jose, honoJwt: honoJwt.Jwt, clerkBackend, authJs };
}

function cycle(pool) {
  let i = 0;
  const n = pool.length;
  return () => pool[i++ % n];
}

/** A fetch double answering the revocation check ("not revoked") and the JWKS. */
function revocationFetch(keys, counter) {
  return jwksFetch(keys, {
    handle: (url) => {
      if (url.endsWith('/auth/token/verify')) {
        counter.calls++;
        return new Response(JSON.stringify({ valid: true }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      return new Response('{}', { status: 404 });
    },
  });
}

export async function verifySuite({ mod, peers, rounds, ms, poolSize, log }) {
  const first = [];
  const repeat = [];
  const setup = { poolSize, keys: {}, tokenLength: {} };
  for (const alg of ALGS) {
    const key = await makeKey(alg, `bench-${alg.toLowerCase()}`);
    const pool = await tokenPool(key, poolSize);
    setup.tokenLength[alg] = pool[0].length;
    const add = async (list, name, verify, opts = {}) => {
      if (!verify) return;
      await V.sanity(`${name} ${alg}`, verify, pool[opts.sanityIndex ?? 0]);
      const next = opts.same ? () => pool[0] : cycle(pool);
      list.push({
        id: `${alg}|${name}`,
        alg,
        name,
        fn: (
          (call) => () =>
            call(next())
        )(verify.direct ?? verify),
        // Checked again after the timing: the verifier still accepts and refuses as it should.
        recheck: () =>
          V.sanity(`${name} ${alg} (after the run)`, verify, pool[opts.sanityIndex ?? 0]),
      });
    };
    const floor = await V.floor(key);
    // Local verification only, as every peer here does (none of them asks a server whether the
    // token was revoked): the figure compares the same work.
    const ours = await V.protekt(mod, [key], pool[poolSize - 1], { revocationCheck: false });
    await add(first, 'floor', floor);
    await add(first, 'protekt', ours, { sanityIndex: 1 });
    // The same without the verified-token cache: what the verifier itself costs, apart from
    // keeping each verified token for the user's next request.
    await add(
      first,
      'protekt (verifiedCache: false)',
      await V.protekt(mod, [key], pool[poolSize - 1], {
        revocationCheck: false,
        verifiedCache: false,
      }),
      { sanityIndex: 1 },
    );
    await add(first, 'jose jwtVerify (CryptoKey)', await V.joseKey(peers.jose, key));
    await add(
      first,
      'jose jwtVerify (remote JWKS, warm)',
      await V.joseRemote(peers.jose, [key], pool[0]),
    );
    await add(first, 'hono jwk (verifyWithJwks)', await V.hono(peers.honoJwt, key));
    await add(first, '@clerk/backend verifyToken', await V.clerk(peers.clerkBackend, key));
    await add(first, '@supabase/auth-js getClaims', await V.supabase(peers.authJs, key));

    // Same token again: a fresh client per variant, warmed on that token.
    const counter = { calls: 0 };
    const cachedLocal = await V.protekt(mod, [key], pool[0], { revocationCheck: false });
    const cachedRemote = await V.protekt(
      mod,
      [key],
      pool[0],
      {},
      revocationFetch([key.jwk], counter),
    );
    await add(repeat, 'floor', floor);
    await add(repeat, 'protekt, same token (revocationCheck: false)', cachedLocal, { same: true });
    await add(repeat, 'protekt, same token (revocation answer cached, maxAge 30 s)', cachedRemote, {
      same: true,
    });
    setup.keys[alg] = key.kid;
    setup.revocationCalls = counter;
  }
  log(
    `verify: ${first.length} first-seen cases, ${repeat.length} same-token cases, ${rounds} rounds of ~${ms} ms each`,
  );
  const firstResults = await runRounds(first, {
    rounds,
    ms,
    pairWith: (c) => `${c.alg}|floor`,
    onRound: (r) => log(`  first-seen round ${r}/${rounds}`),
  });
  const repeatResults = await runRounds(repeat, {
    rounds,
    ms,
    pairWith: (c) => `${c.alg}|floor`,
    onRound: (r) => log(`  same-token round ${r}/${rounds}`),
  });
  for (const c of [...first, ...repeat]) await c.recheck();
  return { setup, first: annotate(first, firstResults), repeat: annotate(repeat, repeatResults) };
}

export function annotate(cases, results) {
  return cases.map((c) => ({ id: c.id, alg: c.alg, name: c.name, ...results.get(c.id) }));
}
