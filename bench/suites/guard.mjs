/**
 * The guard benchmark (issue 17): per framework, one server process pinned to one core
 * (`taskset -c 1`; the load generator and the emulator share the other) guarding `GET /api/me`,
 * driven over loopback by autocannon with 1,000 distinct valid tokens in turn. Variants: no guard,
 * our adapter with `revocationCheck: false`, our adapter with the default policy (revocation
 * answers cached 30 s, asked of the emulator), and the closest peer (bench/guard/server.mjs).
 * Every request must answer 200: a run with any other status is reported as failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = fileURLToPath(new URL('../guard/server.mjs', import.meta.url));
const EMULATOR = fileURLToPath(new URL('../guard/emulator.mjs', import.meta.url));
export const FRAMEWORKS = ['hono', 'express', 'fastify', 'nestjs'];
export const VARIANTS = ['none', 'protekt', 'protekt-default', 'peer'];
export const PEERS = {
  hono: 'hono/jwk with keys',
  express: 'jose jwtVerify + createRemoteJWKSet',
  fastify: 'jose jwtVerify + createRemoteJWKSet',
  nestjs: 'jose jwtVerify + createRemoteJWKSet (a guard)',
};

/** Starts a child and resolves the first capture of `pattern` in its stdout. */
function startChild(cmd, args, env, pattern, input = 'pipe') {
  const child = spawn(cmd, args, { env, stdio: [input, 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, match: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

/** autocannon against `url` with the tokens in turn; `amount` requests or `duration` seconds. */
function load(url, tokens, { amount, duration, connections = 32 }) {
  let next = 0;
  return autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [
      {
        method: 'GET',
        path: '/api/me',
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
  });
}

/** Starts the server of one framework × variant, pinned to core 1 when it can be. */
async function startServer(framework, variant, env, pin) {
  const cmd = pin ? 'taskset' : process.execPath;
  const args = [...(pin ? ['-c', '1', process.execPath] : []), SERVER, framework, variant];
  const { child, match } = await startChild(cmd, args, env, /listening (\d+)/, 'ignore');
  return { child, url: `http://127.0.0.1:${match}` };
}

/** The entries the servers load. */
const ENTRY_FILES = ['index', 'node/index', ...FRAMEWORKS, 'runtime/crypto-node', 'runtime/crypto'];

/**
 * Copies dist/ and package.json to `dir`, again until every entry the servers load is there (a
 * build in progress empties dist/ for a while).
 */
async function snapshotBuild(dir) {
  for (let attempt = 0; attempt < 60; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    try {
      cpSync(`${ROOT}dist`, `${dir}/dist`, { recursive: true });
      cpSync(`${ROOT}package.json`, `${dir}/package.json`);
      if (ENTRY_FILES.every((f) => existsSync(`${dir}/dist/${f}.js`))) return dir;
    } catch {
      // dist/ changed under the copy: try again
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error('dist/ is incomplete: run `npm run build` first');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs every framework × variant: per framework, the four servers started and warmed (each token
 * seen once), then `rounds` rounds measuring them in turn (a shared machine's drift hits every
 * variant alike); the median round of each. Resolves the figures per framework and variant.
 */
export async function guardSuite({ serveModule, quick, log }) {
  const pin = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
  // The servers load a snapshot of the build (inside the repository, so that the frameworks
  // resolve from its node_modules), not dist/ itself, which a rebuild may wipe during the run.
  const pkg = await snapshotBuild(`${ROOT}.cache/guard-bench/pkg`);
  const emu = await startChild(
    process.execPath,
    [EMULATOR, serveModule, '1000'],
    process.env,
    /^(\{.*\})\n/m,
  );
  const { baseUrl, loginId, apiKey, tokens } = JSON.parse(emu.match);
  const env = {
    ...process.env,
    PROTEKT_BASE_URL: baseUrl,
    PROTEKT_LOGIN_ID: loginId,
    PROTEKT_API_KEY: apiKey,
    PROTEKT_BENCH_PKG: pkg,
  };
  const duration = quick ? 2 : 5;
  const rounds = quick ? 1 : 3;
  const out = { pinned: pin, duration, rounds, tokens: tokens.length, results: {} };
  try {
    for (const framework of FRAMEWORKS) {
      const servers = {};
      const runs = {};
      try {
        for (const variant of VARIANTS) {
          servers[variant] = await startServer(framework, variant, env, pin);
          await load(servers[variant].url, tokens, { amount: tokens.length * 2 });
          runs[variant] = [];
        }
        for (let round = 0; round < rounds; round++) {
          for (const variant of VARIANTS) {
            const r = await load(servers[variant].url, tokens, { duration });
            runs[variant].push(r);
          }
        }
      } finally {
        for (const { child } of Object.values(servers)) child.kill('SIGTERM');
      }
      out.results[framework] = {};
      for (const variant of VARIANTS) {
        const rs = runs[variant];
        const figures = {
          rps: Math.round(median(rs.map((r) => r.requests.average))),
          p50: median(rs.map((r) => r.latency.p50)),
          p99: median(rs.map((r) => r.latency.p99)),
          non2xx: rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
        };
        out.results[framework][variant] = figures;
        log(
          `guard ${framework.padEnd(8)} ${variant.padEnd(16)} ${String(figures.rps).padStart(6)} req/s  p99 ${figures.p99} ms${figures.non2xx ? `  ${figures.non2xx} NOT 200` : ''}`,
        );
      }
    }
  } finally {
    emu.child.stdin.end();
  }
  return out;
}

/** The markdown table of a guard run (docs/benchmarks.md, "Route guards"). */
export function guardMarkdown(g) {
  const lines = [
    `Each framework served \`GET /api/me\` from one process${g.pinned ? ' pinned to one core (`taskset -c 1`)' : ''}; autocannon (32 connections, the other core, with the emulator) sent ${g.tokens} distinct valid tokens in turn, ${g.rounds} rounds of ${g.duration} s measuring the variants in turn after a warm-up that showed each token once (medians of the rounds). Every answer was 200 unless the row says otherwise. "cost" is the guard's share of each request, from the throughput: 1/guarded − 1/unguarded.`,
    '',
    '| framework | guard | req/s | p50 ms | p99 ms | cost per request | vs peer |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  const cost = (rps, none) => ((1 / rps - 1 / none) * 1e6).toFixed(1);
  for (const [framework, r] of Object.entries(g.results)) {
    const names = {
      none: 'none',
      protekt: '`protektAuth`, `revocationCheck: false`',
      'protekt-default': '`protektAuth`, default policy (30 s)',
      peer: PEERS[framework],
    };
    for (const [variant, f] of Object.entries(r)) {
      const bad = f.non2xx ? ` (${f.non2xx} not 200)` : '';
      const c = variant === 'none' ? '—' : `${cost(f.rps, r.none.rps)} µs`;
      const vsPeer =
        variant.startsWith('protekt') && r.peer ? `${(f.rps / r.peer.rps).toFixed(2)} ×` : '';
      lines.push(
        `| ${framework} | ${names[variant]}${bad} | ${f.rps} | ${f.p50} | ${f.p99} | ${c} | ${vsPeer} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Writes the figures and replaces the table between the markers of docs/benchmarks.md. */
export function writeGuardResults(results, markdown) {
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/guard.json`, `${JSON.stringify(results, null, 2)}\n`);
  const page = `${ROOT}docs/benchmarks.md`;
  const text = readFileSync(page, 'utf8');
  const start = '<!-- guard-bench:start -->';
  const end = '<!-- guard-bench:end -->';
  const body = `${start}\nRun ${results.date}, Node ${results.node}.\n\n${markdown}\n${end}`;
  const at = text.indexOf(start);
  writeFileSync(
    page,
    at === -1
      ? `${text.trimEnd()}\n\n## Route guards (issue 17)\n\n${body}\n`
      : text.slice(0, at) + body + text.slice(text.indexOf(end) + end.length),
  );
}
