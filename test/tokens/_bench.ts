/**
 * Micro-benchmark of local verification (not a test: vitest only picks up *.test.ts). Compares
 * the verifier (static keys, no revocation check) with a raw WebCrypto floor (pre-imported key,
 * atob decoding, JSON.parse, alg/exp/iss/aud checks, subtle.verify) and with jose's jwtVerify,
 * interleaving runs and reporting medians, plus the verified-token cache hit. Run:
 *
 *   npx esbuild test/tokens/_bench.ts --bundle --platform=node --format=esm \
 *     --alias:#crypto=./src/runtime/crypto.ts --outfile=.cache/bench/tokens.mjs \
 *   && node .cache/bench/tokens.mjs
 */

import { jwtVerify, importJWK } from 'jose';
import { createTokenVerifier } from '../../src/tokens/index.js';
import { encodeBase64url, encodeBase64urlText } from '../../src/util/base64url.js';

const ISS = 'https://auth.protekt.io',
  AUD = 'lp_bench';
async function main() {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    const gen =
      alg === 'RS256'
        ? {
            name: 'RSASSA-PKCS1-v1_5',
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: 'SHA-256',
          }
        : alg === 'ES256'
          ? { name: 'ECDSA', namedCurve: 'P-256' }
          : { name: 'Ed25519' };
    const sp =
      alg === 'RS256'
        ? { name: 'RSASSA-PKCS1-v1_5' }
        : alg === 'ES256'
          ? { name: 'ECDSA', hash: 'SHA-256' }
          : { name: 'Ed25519' };
    const pair = (await crypto.subtle.generateKey(gen as any, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const jwk = {
      ...(await crypto.subtle.exportKey('jwk', pair.publicKey)),
      kid: 'k1',
      alg,
    } as any;
    delete jwk.key_ops;
    delete jwk.ext;
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: ISS,
      sub: 'usr_1',
      aud: [AUD, 'proj_1'],
      email: 'a@b.c',
      email_verified: true,
      project_id: 'proj_1',
      iat: now,
      nbf: now,
      exp: now + 3600,
      jti: 'tok_abcdefghijklmnopqrstuvwx',
      plan: 'pro',
    };
    const input = `${encodeBase64urlText(JSON.stringify({ alg, kid: 'k1', typ: 'JWT' }))}.${encodeBase64urlText(JSON.stringify(payload))}`;
    const sig = new Uint8Array(
      await crypto.subtle.sign(sp as any, pair.privateKey, new TextEncoder().encode(input)),
    );
    const token = `${input}.${encodeBase64url(sig)}`;

    // floor: pre-imported key, atob-based decode, JSON.parse, alg/exp/iss/aud checks, subtle.verify
    const key = await crypto.subtle.importKey('jwk', jwk, gen as any, false, ['verify']);
    const enc = new TextEncoder();
    const b64d = (s: string) => {
      const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
      const u = new Uint8Array(b.length);
      for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);
      return u;
    };
    const floor = async (t: string) => {
      const [h, p, s] = t.split('.');
      const header = JSON.parse(atob(h!.replace(/-/g, '+').replace(/_/g, '/')));
      if (header.alg !== alg) throw 1;
      const ok = await crypto.subtle.verify(sp as any, key, b64d(s!), enc.encode(`${h}.${p}`));
      if (!ok) throw 2;
      const c = JSON.parse(atob(p!.replace(/-/g, '+').replace(/_/g, '/')));
      if (c.iss !== ISS || !c.aud.includes(AUD) || c.exp < Date.now() / 1000) throw 3;
      return c;
    };
    const joseKey = await importJWK(jwk, alg);
    const joseV = (t: string) =>
      jwtVerify(t, joseKey, { issuer: ISS, audience: AUD, algorithms: [alg] });
    const mk = (vc: boolean) =>
      createTokenVerifier({
        jwksUrl: 'x',
        issuer: ISS,
        audience: AUD,
        send: async () => {
          throw new Error('no');
        },
        fetchIdentity: {},
        options: { jwks: { keys: [jwk] }, revocationCheck: false, verifiedCache: vc ? {} : false },
        now: Date.now,
        timeout: 5000,
      });
    const ours = mk(false),
      oursCached = mk(true);
    if ((await ours.verify(token)).error) throw new Error('ours failed');
    await oursCached.verify(token);

    async function run(f: (t: string) => Promise<unknown>, n: number) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await f(token);
      return ((performance.now() - t0) / n) * 1000;
    }
    for (const f of [floor, ours.verify, joseV, oursCached.verify]) await run(f, 1000);
    const ratios: number[] = [],
      joseRatios: number[] = [],
      hits: number[] = [],
      floors: number[] = [],
      ourT: number[] = [];
    for (let r = 0; r < 15; r++) {
      const a = await run(floor, 1000);
      const b = await run(ours.verify, 1000);
      const c = await run(joseV, 1000);
      const d = await run(oursCached.verify, 20000);
      ratios.push(a / b);
      joseRatios.push(a / c);
      hits.push(a / d);
      floors.push(a);
      ourT.push(b);
    }
    const med = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1]!;
    console.log(
      `${alg}: floor ${med(floors).toFixed(1)}µs ours ${med(ourT).toFixed(1)}µs | ours/floor speed ratio median ${med(ratios).toFixed(3)} | jose(node KeyObject)/floor ${med(joseRatios).toFixed(3)} | cached hit ${med(hits).toFixed(0)}× faster than floor`,
    );
  }
}
main();
