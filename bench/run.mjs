#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of issue 7, side by side, on one core.
 *
 *   npm run bench                      full run; rewrites docs/benchmarks.md (results section),
 *                                      docs/benchmarks/throughput.svg and bench/results/latest.json
 *   npm run bench -- --quick           short run for development (writes nothing unless --write)
 *   npm run bench -- --only verify,size --rounds 5 --ms 300 --no-write
 *
 * Groups: verify (first-seen and same-token verifyToken vs the floor and the peers), scale
 * (concurrency, keys in the JWKS, token size), memory, api (a call over loopback vs raw fetch),
 * cold (import() in fresh processes), size (bundles). Installs nothing: the peers are pinned
 * devDependencies. Talks only to 127.0.0.1. Re-runs itself under `taskset -c 0` (one core) and
 * with --expose-gc when it can.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};

if (!process.env.PROTEKT_BENCH_CHILD) {
  const self = fileURLToPath(import.meta.url);
  const env = { ...process.env, PROTEKT_BENCH_CHILD: '1' };
  const node = [process.execPath, '--expose-gc', self, ...args];
  const hasTaskset = !flag('no-pin') && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const r = hasTaskset
    ? spawnSync('taskset', ['-c', '0', ...node], {
        stdio: 'inherit',
        env: { ...env, PROTEKT_BENCH_PINNED: '1' },
      })
    : spawnSync(node[0], node.slice(1), { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

const quick = flag('quick');
const rounds = Number(value('rounds') ?? (quick ? 3 : 7));
const ms = Number(value('ms') ?? (quick ? 150 : 400));
const poolSize = quick ? 1200 : 3000;
const groups = (value('only') ?? 'verify,scale,memory,api,cold,size,warm,guard').split(',');
// A full run writes the results; a partial one (--only …) writes with --write, merged into the
// previous results (bench/results/latest.json) so the page keeps every group.
const write =
  flag('write') ||
  (!quick && !flag('no-write') && !value('only') && !value('rounds') && !value('ms'));
const log = (line) => process.stdout.write(`${line}\n`);

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { buildBench } = await import('./lib/build.mjs');
const { markdown, printTargets } = await import('./lib/report.mjs');

const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
const res = {
  env: {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    node: process.versions.node,
    cpu: `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores)`,
    pinned: process.env.PROTEKT_BENCH_PINNED === '1',
    rounds,
    ms,
    quick,
    loadBefore: load(),
  },
};
log(
  `@protekt/node benchmarks — Node ${res.env.node}, ${res.env.pinned ? 'one core (taskset -c 0)' : 'not pinned'}, ${rounds} rounds × ~${ms} ms${quick ? ', quick' : ''}`,
);

const built = await buildBench();
const mod = await import(built.protekt);

// First, in a heap that holds nothing else yet: the Node 22 run below is a process of its own,
// so both Node versions are measured alike (not after the verify suites' token pools and peers).
if (groups.includes('api')) {
  const { apiSuite } = await import('./suites/api.mjs');
  res.api = await apiSuite({ mod, serveBundle: built.serve, quick, log });
}

if (groups.includes('size')) {
  const { measureBudgets, measurePeers } = await import('./lib/size.mjs');
  const budgets = await measureBudgets();
  const peers = await measurePeers();
  const strip = ({ code: _c, inputs: _i, ...v }) => v;
  res.size = {
    budgets: {
      ...Object.fromEntries(
        Object.entries(budgets).map(([k, v]) => [
          k,
          typeof v === 'number' || k === 'adapters' ? v : strip(v),
        ]),
      ),
      clientInputs: budgets.client.inputs.slice(0, 12),
    },
    peers: Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, strip(v)])),
  };
  log(
    `size: client ${budgets.client.gzip} B gzip, middleware ${budgets.middleware.gzip} B gzip (+${budgets.middlewareDelta} B on a Hono app)`,
  );
}
if (groups.includes('cold')) {
  const { coldSuite } = await import('./suites/cold.mjs');
  res.coldSamples = quick ? 8 : 30;
  res.cold = await coldSuite({
    modules: {
      empty: built.empty,
      'client bundle': built.clientBrowser,
      'dist/index.js': `${ROOT}dist/index.js`,
      'jose 6.2.17': import.meta.resolve('jose6'),
    },
    samples: res.coldSamples,
    log,
  });
}
// Issue 19: the guard under load (processes of their own), cache hits, Node load per version.
if (groups.includes('warm')) {
  const { cacheHits, guardLoad, nodeLoad } = await import('./suites/warm.mjs');
  res.warm = {
    load: await guardLoad({ serveBundle: built.serve, quick, log }),
    hits: await cacheHits({ mod, rounds: Math.max(3, rounds - 2), ms, log }),
    node: nodeLoad({ samples: quick ? 8 : 20, log }),
  };
  const { measureVerifyOnly } = await import('./lib/size.mjs');
  const verifyOnly = await measureVerifyOnly();
  res.warm.verifyOnly = { worker: verifyOnly.worker.gzip, honoAppDelta: verifyOnly.honoAppDelta };
}
let peers;
if (groups.includes('verify') || groups.includes('scale')) {
  const { loadPeers } = await import('./suites/verify.mjs');
  peers = await loadPeers();
}
if (groups.includes('verify')) {
  const { verifySuite } = await import('./suites/verify.mjs');
  res.verify = await verifySuite({ mod, peers, rounds, ms, poolSize, log });
}
if (groups.includes('scale')) {
  const { scaleSuite } = await import('./suites/scale.mjs');
  res.scale = await scaleSuite({ mod, peers, rounds: Math.max(3, rounds - 2), ms, poolSize, log });
}
if (groups.includes('memory')) {
  const { memorySuite } = await import('./suites/memory.mjs');
  res.memory = await memorySuite({ mod, quick, log });
}
// The same API comparison on a newer Node, when the runtime matrix has provisioned one
// (runtimes/node/provision.mjs caches the official binaries in .cache/node/): on Node 20 a
// cancellable timeout (AbortController + signal handed to undici) is a visible cost of its own.
if (groups.includes('api') && !quick && !process.env.PROTEKT_BENCH_NESTED) {
  const { existsSync, readdirSync } = await import('node:fs');
  const dir = `${ROOT}.cache/node`;
  const v22 = existsSync(dir)
    ? readdirSync(dir)
        .filter((v) => v.startsWith('22.'))
        .sort()
        .pop()
    : undefined;
  if (v22) {
    const out = `${os.tmpdir()}/protekt-bench-api-node22-${process.pid}.json`;
    const r = spawnSync(
      `${dir}/${v22}/bin/node`,
      ['--expose-gc', fileURLToPath(import.meta.url), '--only', 'api', '--no-write', '--json', out],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, PROTEKT_BENCH_NESTED: '1' },
      },
    );
    if (r.status === 0) {
      res.apiOtherNode = { node: v22, ...JSON.parse(readFileSync(out, 'utf8')).api };
      log(
        `api on Node ${v22}: p50 client ${res.apiOtherNode.client.p50.toFixed(3)} ms, fetch ${res.apiOtherNode.fetch.p50.toFixed(3)} ms (×${res.apiOtherNode.ratio.toFixed(3)})`,
      );
    }
  }
}
// Issue 17: each framework's route guard, servers pinned to the other core (suites/guard.mjs).
if (groups.includes('guard')) {
  const { guardSuite } = await import('./suites/guard.mjs');
  res.guard = await guardSuite({ serveModule: built.serve, quick, log });
  res.guard.date = res.env.date;
  res.guard.node = res.env.node;
}
if (value('json')) writeFileSync(value('json'), JSON.stringify(res));
res.env.loadAfter = load();

log(`\n${markdown(res)}\n`);
printTargets(res, log);

if (write && value('only')) {
  const previousPath = `${ROOT}bench/results/latest.json`;
  const { existsSync } = await import('node:fs');
  if (existsSync(previousPath)) {
    const previous = JSON.parse(readFileSync(previousPath, 'utf8'));
    for (const [k, v] of Object.entries(previous)) if (!(k in res)) res[k] = v;
    res.env = {
      ...previous.env,
      partial: `${groups.join(', ')} re-run ${res.env.date} (load ${res.env.loadBefore})`,
    };
  }
}

if (write) {
  const { throughputSvg } = await import('./lib/svg.mjs');
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  mkdirSync(`${ROOT}docs/benchmarks`, { recursive: true });
  writeFileSync(
    `${ROOT}bench/results/latest.json`,
    `${JSON.stringify(res, (k, v) => (k === 'samples' ? undefined : v), 2)}\n`,
  );
  if (res.verify) {
    writeFileSync(
      `${ROOT}docs/benchmarks/throughput.svg`,
      throughputSvg(res.verify.first, {
        title:
          'verifyToken throughput: tokens not seen before, warm keys (ops/s; × floor in brackets)',
        subtitle: `Node ${res.env.node}, one core, ${res.env.date}; bars: median of ${res.env.rounds} interleaved rounds, lines: min–max`,
      }),
    );
  }
  const docPath = `${ROOT}docs/benchmarks.md`;
  const doc = readFileSync(docPath, 'utf8');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i === -1 || j === -1) throw new Error('docs/benchmarks.md lacks the bench:results markers');
  writeFileSync(
    docPath,
    `${doc.slice(0, i + start.length)}\n\n${markdown(res)}\n\n${doc.slice(j)}`,
  );
  if (res.guard) {
    const { guardMarkdown, writeGuardResults } = await import('./suites/guard.mjs');
    writeGuardResults(res.guard, guardMarkdown(res.guard));
  }
  log('wrote docs/benchmarks.md, docs/benchmarks/throughput.svg, bench/results/latest.json');
}
