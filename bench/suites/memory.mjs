/**
 * Memory of the caches at their bounds (heap after a full GC, in a process started with
 * --expose-gc): the verified-token cache (default 1,000 tokens), the revocation answers
 * (10,000), and a JWKS of 100 imported keys. Each figure includes what the cache keeps alive
 * (token strings, frozen claims and user objects), measured against the same client before.
 */
import { makeKey, sign, claims, jwksFetch } from '../lib/tokens.mjs';

const gc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
};
const heap = () => {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
};

async function fill(client, key, from, count) {
  for (let i = from; i < from + count; i++) {
    const r = await client.auth.verifyToken(await sign(key, claims(i)));
    if (r.error) throw new Error(`memory: ${r.error.code}`);
  }
}

export async function memorySuite({ mod, quick, log }) {
  if (typeof globalThis.gc !== 'function') return { skipped: 'run node with --expose-gc' };
  const key = await makeKey('ES256', 'memory-es256');
  const base = {
    loginId: 'lp_bench_project',
    apiKey: 'pk_bench_key_0123456789',
    baseUrl: 'http://127.0.0.1:8787/v1',
  };
  const out = {};

  {
    const max = 1000;
    const client = new mod.Protekt({
      ...base,
      fetch: jwksFetch([key.jwk]),
      revocationCheck: false,
    });
    await fill(client, key, 0, 1);
    const h0 = heap();
    await fill(client, key, 1, max);
    const h1 = heap();
    await fill(client, key, 1 + max, max);
    const h2 = heap();
    out.verifiedCache = {
      entries: max,
      bytes: h1.heap - h0.heap,
      afterTwiceTheBound: h2.heap - h0.heap,
      perEntry: (h1.heap - h0.heap) / max,
    };
    log(`memory: verified cache ${max} entries ${(out.verifiedCache.bytes / 1e6).toFixed(2)} MB`);
  }

  {
    const max = 10_000;
    const count = quick ? 2_000 : max;
    const answered = { n: 0 };
    const fetchImpl = jwksFetch([key.jwk], {
      handle: () => {
        answered.n++;
        return new Response('{"valid":true}', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    const client = new mod.Protekt({
      ...base,
      fetch: fetchImpl,
      verifiedCache: false,
      revocationCheck: { maxAge: 3600 },
    });
    await fill(client, key, 0, 1);
    const h0 = heap();
    await fill(client, key, 100_000, count);
    const h1 = heap();
    let h2 = null;
    if (!quick) {
      await fill(client, key, 200_000, 2_000);
      h2 = heap();
    }
    out.revocationCache = {
      entries: count,
      atBound: count === max,
      bytes: h1.heap - h0.heap,
      perEntry: (h1.heap - h0.heap) / count,
      afterBoundPlus2000: h2 ? h2.heap - h0.heap : null,
      remoteChecks: answered.n,
    };
    log(
      `memory: revocation answers ${count} entries ${(out.revocationCache.bytes / 1e6).toFixed(2)} MB`,
    );
  }

  {
    const n = 100;
    const keys = [];
    for (let i = 0; i < n; i++) keys.push(await makeKey('ES256', `memory-jwks-${i}`));
    const h0 = heap();
    const client = new mod.Protekt({
      ...base,
      fetch: jwksFetch(keys.map((k) => k.jwk)),
      revocationCheck: false,
      verifiedCache: false,
    });
    for (const k of keys) {
      const r = await client.auth.verifyToken(await sign(k, claims(1)));
      if (r.error) throw new Error(`memory jwks: ${r.error.code}`);
    }
    const h1 = heap();
    out.jwks = {
      keys: n,
      bytes: h1.heap - h0.heap,
      external: h1.external - h0.external,
      alg: 'ES256',
    };
    log(`memory: JWKS of ${n} imported keys ${(out.jwks.bytes / 1e3).toFixed(0)} kB heap`);
  }
  return out;
}
