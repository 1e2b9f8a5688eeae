/**
 * Issue 19's figures: what users get at scale.
 *
 * - `guardLoad`: the guard under load. Per cell one server process pinned to core 0 (a Hono app
 *   on node:http, bench/warm/server.mjs), the emulator and autocannon pinned to core 1, over
 *   loopback; 1,000 and 10,000 distinct tokens cycled; Hono + `protektAuth` on the verify-only
 *   verifier (`revocationCheck: false`, the default policy, `acceptBeforeCheck`) against Hono +
 *   `hono/jwk` given the JWKS `keys`. A first pass over the tokens, then the measured run.
 * - `cacheHits`: ns per `verifyToken` of a token already held, with the verified-token and
 *   revocation caches holding 16, 1,000 or 10,000 tokens; the token as the same string, and as a
 *   new string per call (sliced from a header, as a middleware does).
 * - `nodeLoad`: `import('@protekt/node')` as Node resolves it (dist/, package `exports` and
 *   `imports`), over an empty module, in fresh processes, on each Node of the matrix.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { median, runRounds, spread } from '../lib/measure.mjs';
import { API_KEY, BASE_URL, jwksFetch, LOGIN_ID, makeKey, tokenPool } from '../lib/tokens.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WARM = fileURLToPath(new URL('../warm/', import.meta.url));
const OUT = `${ROOT}node_modules/.cache/protekt-bench/`;

/** The guard (`protektAuth` + `createVerifier`) bundled from the sources for Node. */
async function buildGuard() {
  const outfile = `${OUT}guard-protekt.mjs`;
  await esbuild.build({
    stdin: {
      contents: `export { protektAuth } from './src/hono/index.ts'; export { createVerifier } from './src/verify/index.ts';`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    alias: { '#crypto': `${ROOT}src/runtime/crypto.ts` },
    external: ['hono', 'hono/*'],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

const pinned = (core, args) =>
  spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? ['taskset', ['-c', core, ...args]]
    : [args[0], args.slice(1)];

/** Starts a child (pinned to `core`) and resolves its first stdout line, parsed. */
function startChild(core, args) {
  const [cmd, rest] = pinned(core, args);
  const child = spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, info: JSON.parse(out.slice(0, nl)) });
    });
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ').slice(0, 120)} exited ${code}`)),
    );
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    child.once('exit', resolve);
    child.stdin.end();
    setTimeout(() => child.kill(), 3000).unref();
  });

export const GUARD_MODES = {
  'hono-jwk': 'Hono + hono/jwk (keys)',
  'protekt-off': 'Hono + protektAuth, revocationCheck: false',
  'protekt-default': 'Hono + protektAuth, default policy (emulator)',
  'protekt-accept': 'Hono + protektAuth, acceptBeforeCheck (opt-in)',
};

/** The guard under load: `{ [count]: { [mode]: { rps, p50, p99, … } } }`. */
export async function guardLoad({ serveBundle, quick, log, counts = [1000, 10000] }) {
  const guard = await buildGuard();
  const tokensFile = `${os.tmpdir()}/protekt-warm-tokens-${process.pid}.txt`;
  const node = process.execPath;
  const emulator = await startChild('1', [
    node,
    `${WARM}emulator.mjs`,
    serveBundle,
    String(counts.at(-1)),
    tokensFile,
  ]);
  const config = JSON.stringify(emulator.info);
  const duration = quick ? 3 : 6;
  // Rounds in alternating order (the machine is shared): each cell keeps its round of median req/s.
  const rounds = quick ? 1 : 3;
  const out = { duration, connections: 10, rounds };
  const runCell = async (count, mode) => {
    const server = await startChild('0', [node, `${WARM}server.mjs`, mode, guard, config]);
    const port = String(server.info.port);
    const load = [node, `${WARM}load.mjs`, port, tokensFile, String(count), String(duration), '10'];
    const [cmd, rest] = pinned('1', load);
    const r = spawnSync(cmd, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    await stop(server.child);
    return JSON.parse(r.stdout);
  };
  try {
    for (const count of counts) {
      const got = {};
      for (let round = 0; round < rounds; round++) {
        const modes = Object.keys(GUARD_MODES);
        for (const mode of round % 2 ? modes.reverse() : modes) {
          const m = await runCell(count, mode);
          got[mode] ??= [];
          got[mode].push(m);
          log(
            `guard ${count} tokens, ${mode}, round ${round + 1}: ${Math.round(m.rps)} req/s, p99 ${m.p99} ms${m.non2xx ? `, ${m.non2xx} non-2xx` : ''}`,
          );
        }
      }
      out[count] = Object.fromEntries(
        Object.entries(got).map(([mode, runs]) => [
          mode,
          runs.sort((a, b) => a.rps - b.rps)[runs.length >> 1],
        ]),
      );
    }
  } finally {
    await stop(emulator.child);
    rmSync(tokensFile, { force: true });
  }
  return out;
}

/** RS256 tokens as the emulator issues them, and the JWKS and revocation answers from memory. */
export async function tokenSetup(count) {
  const key = await makeKey('RS256', 'bench-rs');
  const tokens = await tokenPool(key, count);
  const pass = () =>
    new Response('{"valid":true}', { headers: { 'content-type': 'application/json' } });
  return { tokens, fetch: jwksFetch([key.jwk], { handle: pass }) };
}

/**
 * ns per verification of a token already held, caches holding `sizes` tokens. `mod` is the bench
 * bundle of src/index.ts.
 */
export async function cacheHits({ mod, rounds, ms, log, sizes = [16, 1000, 10000] }) {
  const pool = await tokenSetup(sizes.at(-1));
  const cases = [];
  for (const size of sizes) {
    const tokens = pool.tokens.slice(0, size);
    // Flat strings, as an HTTP parser hands them: a slice of `'Bearer ' + token` (a cons string)
    // would hand back the token itself, its hash already known.
    const headers = tokens.map((t) => JSON.parse(JSON.stringify(`Bearer ${t}`)));
    for (const policy of ['off', 'default']) {
      const protekt = new mod.Protekt({
        loginId: LOGIN_ID,
        apiKey: API_KEY,
        baseUrl: BASE_URL,
        fetch: pool.fetch,
        verifiedCache: { max: size },
        // The answer cached for the whole run: hits, not refreshes (a loop that never yields to
        // the event loop would starve the background checks it starts).
        revocationCheck: policy === 'off' ? false : { maxAge: 3600 },
      });
      for (const t of tokens) await protekt.auth.verifyToken(t);
      const same = tokens[size >> 1];
      let i = 0;
      cases.push({
        id: `${size}:${policy}:same`,
        size,
        policy,
        kind: 'same',
        fn: () => protekt.auth.verifyToken(same),
      });
      cases.push({
        id: `${size}:${policy}:new`,
        size,
        policy,
        kind: 'new',
        // A new string per call, as a middleware slices it from the Authorization header.
        fn: () => protekt.auth.verifyToken(headers[i++ % size].slice(7)),
      });
    }
  }
  const got = await runRounds(cases, { rounds, ms });
  const out = {};
  for (const c of cases) {
    const ns = 1e9 / got.get(c.id).ops.median;
    out[c.id] = {
      size: c.size,
      policy: c.policy,
      kind: c.kind,
      ns,
      nsRange: [1e9 / got.get(c.id).ops.max, 1e9 / got.get(c.id).ops.min],
    };
  }
  log(
    `cache hits: ${Object.entries(out)
      .map(([k, v]) => `${k} ${v.ns.toFixed(0)} ns`)
      .join(', ')}`,
  );
  return out;
}

/** The Node binaries of the matrix present on this machine (18, 22, 24 provisioned; this one). */
function nodeBinaries() {
  const out = { [process.versions.node]: process.execPath };
  const dir = `${ROOT}.cache/node`;
  if (existsSync(dir))
    for (const v of readdirSync(dir))
      if (existsSync(`${dir}/${v}/bin/node`)) out[v] = `${dir}/${v}/bin/node`;
  return Object.fromEntries(
    Object.entries(out).sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10)),
  );
}

/**
 * `import('@protekt/node')` (dist/, resolved by Node through the package's `exports` and
 * `imports`) over an empty module, `samples` fresh processes each, interleaved, per Node version.
 */
export function nodeLoad({ samples, log }) {
  // A copy of the package (dist/ and package.json, taken under the build lock: a build elsewhere
  // empties dist/), imported by name from a project beside it, as an application would.
  const app = mkdtempSync(`${os.tmpdir()}/protekt-load-`);
  const pkg = `${app}/node_modules/@protekt/node`;
  mkdirSync(pkg, { recursive: true });
  const copy = `test -f dist/index.js && cp -r dist package.json ${pkg}/`;
  const lock = spawnSync('flock', ['/tmp/protekt-build.lock', 'sh', '-c', copy], { cwd: ROOT });
  if (lock.status !== 0) return undefined;
  for (const file of ['load-child.mjs', 'empty.mjs'])
    copyFileSync(`${WARM}${file}`, `${app}/${file}`);
  const child = `${app}/load-child.mjs`;
  const out = {};
  for (const [version, bin] of Object.entries(nodeBinaries())) {
    const times = { empty: [], package: [] };
    for (let i = 0; i < samples; i++) {
      for (const what of i % 2 ? ['package', 'empty'] : ['empty', 'package'])
        times[what].push(Number(execFileSync(bin, [child, what], { encoding: 'utf8' })));
    }
    const empty = spread(times.empty);
    const pkg = spread(times.package);
    out[version] = { empty, package: pkg, overEmpty: median(times.package) - median(times.empty) };
    log(
      `node load ${version}: empty ${empty.median.toFixed(2)} ms, @protekt/node ${pkg.median.toFixed(2)} ms (+${out[version].overEmpty.toFixed(2)} ms)`,
    );
  }
  rmSync(app, { recursive: true, force: true });
  return out;
}
