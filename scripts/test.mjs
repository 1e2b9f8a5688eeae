#!/usr/bin/env node
// `npm test`: build → typecheck → publint/attw → every runtime of the matrix, one after another
// (the machine has 2 cores), one line per step, then a plain `N passed, N failed` line (tests
// counted over all steps; a step that fails without counting tests counts as one failure).
// Each runtime's line splits its count: the conformance suite (the built package), the portable
// unit suites (the sources: test/tokens, hono, client, emulator, util, http, guard, account;
// docs/testing.md) and, on Node 20, the Node-only tests. node20 and workerd also measure the
// SDK's line and branch coverage (src/ outside the emulator and the CLI); workerd fails under
// 90 % of lines or 80 % of branches, and the files where it stays below Node are listed.
//
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs deno workerd    build, then just those steps (any step name below)
//   node scripts/test.mjs --no-build bun  reuse dist/ as it is
//   node scripts/test.mjs --list          the step names
//
// Each step's full output goes to .cache/logs/<step>.log; the tail of a failing step is printed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const logDir = join(root, '.cache', 'logs');
const resultDir = join(root, '.cache', 'results');

const env = {
  ...process.env,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true', // also skips wrangler's version check
  CLOUDFLARE_CF_FETCH_ENABLED: 'false', // miniflare: no download of request.cf data
  NO_UPDATE_NOTIFIER: '1',
  DENO_NO_UPDATE_CHECK: '1',
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0',
};
delete env.NODE_OPTIONS;

/** Runs a command, output to the step's log; resolves { code, timedOut, output }. */
function exec(step, cmd, args, { timeoutMs = 600_000, append = false, cwd = root } = {}) {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${step}.log`);
  const fd = openSync(logFile, append ? 'a' : 'w');
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    let timedOut = false;
    const killGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    const done = (code) => {
      clearTimeout(timer);
      killGroup('SIGKILL'); // leftovers of this step's own process group (e.g. a workerd child)
      closeSync(fd);
      resolve({ code: timedOut ? 124 : code, timedOut, output: readFileSync(logFile, 'utf8') });
    };
    child.on('error', (err) => {
      done(127);
      console.error(`${step}: cannot start ${cmd}: ${err.message}`);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

// ---- result parsers ---------------------------------------------------------------------------

function lastMatch(text, re) {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  return [...text.matchAll(g)].at(-1) ?? null;
}

/** Which suite a test file belongs to (the split each runtime's line shows). */
function suiteOf(file) {
  const rel = file.replaceAll('\\', '/').replace(/^.*?\/test\//, 'test/');
  if (rel.startsWith('test/conformance/')) return 'conformance';
  const portable = /^test\/(tokens|hono|client|emulator|util|http|guard|account)\//.test(rel);
  return portable && !/\.node\.test\./.test(rel) ? 'portable' : 'node-only';
}

function fromVitestJson(file) {
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  let failed = r.numFailedTests ?? 0;
  const parts = {};
  for (const f of r.testResults ?? []) {
    const suite = suiteOf(f.name);
    parts[suite] ??= { ...ZERO };
    const part = parts[suite];
    for (const a of f.assertionResults ?? []) {
      if (a.status === 'passed') part.passed++;
      else if (a.status === 'failed') part.failed++;
      else part.skipped++;
    }
    // A file that fails to load has no failed test but a failed suite.
    if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) {
      failed++;
      part.failed++;
    }
  }
  return {
    passed: r.numPassedTests ?? 0,
    failed,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    parts,
  };
}

function fromTap(text) {
  const pass = lastMatch(text, /^# pass (\d+)$/m);
  const fail = lastMatch(text, /^# fail (\d+)$/m);
  const cancelled = lastMatch(text, /^# cancelled (\d+)$/m);
  const skipped = lastMatch(text, /^# skipped (\d+)$/m);
  if (!pass || !fail) return null;
  return {
    passed: +pass[1],
    failed: +fail[1] + (cancelled ? +cancelled[1] : 0),
    skipped: skipped ? +skipped[1] : 0,
  };
}

function fromPlain(text) {
  const m = lastMatch(text, /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/m);
  return m ? { passed: +m[1], failed: +m[2], skipped: m[3] ? +m[3] : 0 } : null;
}

function fromBun(text) {
  const pass = lastMatch(text, /^\s*(\d+) pass$/m);
  const fail = lastMatch(text, /^\s*(\d+) fail$/m);
  const skip = lastMatch(text, /^\s*(\d+) skip$/m);
  if (!pass && !fail) return null;
  return { passed: pass ? +pass[1] : 0, failed: fail ? +fail[1] : 0, skipped: skip ? +skip[1] : 0 };
}

/** Deno reports node:test `describe` blocks as tests and `it`s as steps: count the leaves. */
function fromDenoJunit(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, 'utf8');
  const cases = [];
  const re = /<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const body = m[3] ?? '';
    cases.push({
      name: m[1],
      failed: body.includes('<failure'),
      skipped: body.includes('<skipped'),
    });
  }
  const names = cases.map((c) => c.name);
  const leaves = cases.filter((c) => !names.some((n) => n.startsWith(`${c.name} &gt; `)));
  // A suite that failed without its steps (e.g. a failing beforeAll) is a failure too.
  const failedSuites = cases.filter(
    (c) =>
      c.failed &&
      !leaves.includes(c) &&
      !cases.some((d) => d.failed && d.name.startsWith(`${c.name} &gt; `)),
  );
  return {
    passed: leaves.filter((c) => !c.failed && !c.skipped).length,
    failed: leaves.filter((c) => c.failed).length + failedSuites.length,
    skipped: leaves.filter((c) => c.skipped).length,
  };
}

const add = (a, b) => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
});
const ZERO = { passed: 0, failed: 0, skipped: 0 };

/** Sums per-suite counts into one, keeping the parts for the step's line. */
function withParts(parts) {
  let total = { ...ZERO };
  for (const c of Object.values(parts)) total = add(total, c);
  return { ...total, parts };
}

/** A check without test counts: one passed or one failed. */
const asCheck = ({ code }) =>
  code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };

// ---- steps ------------------------------------------------------------------------------------

/** The conformance files and the portable suites' files (no `*.node.test.*`), as `./test/…`. */
async function suiteFiles() {
  const { findTests, portableTests } = await import('../runtimes/node/bundle.mjs');
  const rel = (f) => `./${relative(root, f).replaceAll('\\', '/')}`;
  return {
    conformance: findTests(join(root, 'test', 'conformance')).map(rel),
    portable: portableTests().map(rel),
  };
}

async function vitestStep(step, config, extra = []) {
  const json = join(resultDir, `${step}.json`);
  rmSync(json, { force: true });
  mkdirSync(resultDir, { recursive: true });
  const res = await exec(step, process.execPath, [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${json}`,
    ...extra,
  ]);
  return { res, counts: fromVitestJson(json) };
}

let nodeBundles = null;
async function nodeTestStep(step, major) {
  const { provisionNode } = await import('../runtimes/node/provision.mjs');
  const { bundleConformance, bundlePortable } = await import('../runtimes/node/bundle.mjs');
  const node = provisionNode(major);
  nodeBundles ??= { conformance: await bundleConformance(), portable: await bundlePortable() };
  const parts = {};
  let code = 0;
  let append = false;
  for (const [suite, files] of Object.entries(nodeBundles)) {
    const tests = await exec(step, node, ['--test', '--test-reporter=tap', ...files], {
      append,
      timeoutMs: 900_000,
    });
    append = true;
    const counts = fromTap(tests.output) ?? { ...ZERO, failed: 1 };
    if (tests.code !== 0 && counts.failed === 0) counts.failed = 1;
    parts[suite] = counts;
    if (tests.code !== 0) code = tests.code;
  }
  for (const file of ['runtimes/node/load-check.mjs', 'runtimes/node/load-check.cjs']) {
    const r = await exec(step, node, [file], { append: true, timeoutMs: 60_000 });
    parts['load-check'] = add(
      parts['load-check'] ?? ZERO,
      fromPlain(r.output) ?? { ...ZERO, failed: 1 },
    );
    if (r.code !== 0) code = r.code;
  }
  const output = readFileSync(join(logDir, `${step}.log`), 'utf8');
  return { res: { code, output }, counts: withParts(parts) };
}

const STEPS = {
  build: {
    check: true,
    run: async () => ({ res: await exec('build', bin('tsup'), [], { timeoutMs: 240_000 }) }),
  },
  typecheck: {
    check: true,
    run: async () => {
      // Both always run: tsconfig.web.json (package sources without Node types) is the one that
      // names a stray Buffer/process in the package, even when the other has errors of its own.
      const a = await exec('typecheck', bin('tsc'), ['-p', 'tsconfig.json'], {
        timeoutMs: 300_000,
      });
      const b = await exec('typecheck', bin('tsc'), ['-p', 'tsconfig.web.json'], {
        timeoutMs: 300_000,
        append: true,
      });
      // The examples (Worker, Vercel Edge) against the built package's declarations, as users
      // compile them.
      const c = await exec('typecheck', bin('tsc'), ['-p', 'examples'], {
        timeoutMs: 300_000,
        append: true,
      });
      // The type tests (test/types): the public declarations under a user's strictest settings.
      const d = await exec('typecheck', bin('tsc'), ['-p', 'test/types'], {
        timeoutMs: 300_000,
        append: true,
      });
      return { res: { ...d, code: a.code || b.code || c.code || d.code } };
    },
  },
  // Formatting and lint of src, test, scripts, bench, examples and runtimes (biome.json); a
  // failure prints the files and rules, `npm run lint:fix` mends what can be mended by itself.
  biome: {
    check: true,
    run: async () => ({
      res: await exec('biome', bin('biome'), ['ci', '--max-diagnostics=50', '.'], {
        timeoutMs: 120_000,
      }),
    }),
  },
  publint: {
    check: true,
    run: async () => ({
      res: await exec('publint', bin('publint'), ['--strict'], { timeoutMs: 120_000 }),
    }),
  },
  attw: {
    check: true,
    run: async () => ({
      res: await exec('attw', bin('attw'), ['--pack', '.', '--format', 'table-flipped'], {
        timeoutMs: 180_000,
      }),
    }),
  },
  packaging: {
    run: () =>
      vitestStep('packaging', 'runtimes/node20/vitest.config.ts', ['--project', 'packaging']),
  },
  node20: {
    // The example tests also run each Node example on Node 18 (test/examples/_harness.ts,
    // nodeBinaries): provisioned here, so that a fresh clone runs them too instead of leaving
    // them out until the node18 step has fetched the binary.
    run: async () => {
      const { provisionNode } = await import('../runtimes/node/provision.mjs');
      provisionNode(18);
      (await import('./provision-chromium.mjs')).provisionChromium(); // test/browser/
      return vitestStep('node20', 'runtimes/node20/vitest.config.ts', [
        '--coverage.enabled',
        '--project',
        'unit',
        '--project',
        'nestjs10',
        '--project',
        'fastify4',
        '--project',
        'conformance',
      ]);
    },
  },
  workerd: {
    run: async () => {
      const out = await vitestStep('workerd', 'runtimes/workerd/vitest.config.ts', [
        '--coverage.enabled',
      ]);
      const below = coverageShortfall();
      if (below && out.counts) {
        out.counts = { ...out.counts, failed: out.counts.failed + 1 };
        out.note = ` — coverage ${below}`;
      }
      return out;
    },
  },
  'edge-runtime': {
    run: () => vitestStep('edge-runtime', 'runtimes/edge-runtime/vitest.config.ts'),
  },
  // Deno and Bun: one run per suite (their reports do not tell which file a test came from).
  deno: {
    run: async () => {
      mkdirSync(resultDir, { recursive: true });
      const parts = {};
      let code = 0;
      for (const [suite, files] of Object.entries(await suiteFiles())) {
        const xml = join(resultDir, `deno-${suite}.xml`);
        rmSync(xml, { force: true });
        const res = await exec(
          'deno',
          bin('deno'),
          [
            'test',
            '--config',
            'deno.json',
            '--no-check',
            '--allow-env',
            '--allow-read',
            '--allow-net=127.0.0.1',
            '--reporter=dot',
            `--junit-path=${xml}`,
            ...files,
          ],
          { append: suite !== 'conformance', timeoutMs: 900_000 },
        );
        parts[suite] = fromDenoJunit(xml) ?? { ...ZERO, failed: 1 };
        if (res.code !== 0) code = res.code;
      }
      const output = readFileSync(join(logDir, 'deno.log'), 'utf8');
      return { res: { code, output }, counts: withParts(parts) };
    },
  },
  bun: {
    run: async () => {
      const parts = {};
      let code = 0;
      for (const [suite, files] of Object.entries(await suiteFiles())) {
        const res = await exec('bun', bin('bun'), ['test', ...files, '--timeout', '20000'], {
          append: suite !== 'conformance',
          timeoutMs: 900_000,
        });
        parts[suite] = fromBun(res.output.slice(res.output.lastIndexOf('bun test v'))) ?? {
          ...ZERO,
          failed: 1,
        };
        if (res.code !== 0) code = res.code;
      }
      const output = readFileSync(join(logDir, 'bun.log'), 'utf8');
      return { res: { code, output }, counts: withParts(parts) };
    },
  },
  node18: { run: () => nodeTestStep('node18', 18) },
  node22: { run: () => nodeTestStep('node22', 22) },
  node24: { run: () => nodeTestStep('node24', 24) },
  tarball: {
    run: async () => {
      const res = await exec('tarball', process.execPath, ['test/packaging/smoke.mjs'], {
        timeoutMs: 600_000,
      });
      return { res, counts: fromPlain(res.output) };
    },
  },
};

// ---- coverage ---------------------------------------------------------------------------------

/** The bars of the workerd run (docs/testing.md, "Coverage"). */
const COVERAGE_BARS = { lines: 90, branches: 80 };
const coverageDir = join(root, '.cache', 'coverage');

/** { total, files } of a run's json-summary (per file, by path under the repo), or null. */
function readCoverage(runtime) {
  const file = join(coverageDir, runtime, 'coverage-summary.json');
  if (!existsSync(file)) return null;
  const summary = JSON.parse(readFileSync(file, 'utf8'));
  const files = {};
  for (const [path, c] of Object.entries(summary)) {
    if (path !== 'total') files[relative(root, path).replaceAll('\\', '/')] = c;
  }
  return { total: summary.total, files };
}

/** What the workerd figures miss of the bars ("lines 87.1 % < 90 %"), or null. */
function coverageShortfall() {
  const c = readCoverage('workerd');
  if (!c) return 'not measured';
  const misses = Object.entries(COVERAGE_BARS)
    .filter(([k, bar]) => c.total[k].pct < bar)
    .map(([k, bar]) => `${k} ${c.total[k].pct} % < ${bar} %`);
  return misses.length ? misses.join(', ') : null;
}

/** The coverage lines: each runtime's totals, then the files where workerd stays below Node. */
function printCoverage(ran) {
  const runs = Object.fromEntries(
    ['node20', 'workerd'].filter((r) => ran.includes(r)).map((r) => [r, readCoverage(r)]),
  );
  for (const [runtime, c] of Object.entries(runs)) {
    if (!c) continue;
    const bars =
      runtime === 'workerd' ? ` (bars ${COVERAGE_BARS.lines} / ${COVERAGE_BARS.branches} %)` : '';
    console.log(
      `coverage ${runtime.padEnd(8)} lines ${c.total.lines.pct} %, branches ${c.total.branches.pct} % of src/ (SDK, no emulator/CLI)${bars}`,
    );
  }
  const node = runs.node20 ?? readCoverage('node20');
  const worker = runs.workerd;
  if (!node || !worker) return;
  const gaps = [];
  for (const [file, w] of Object.entries(worker.files)) {
    const n = node.files[file];
    if (!n) continue;
    const dl = n.lines.pct - w.lines.pct;
    const db = n.branches.pct - w.branches.pct;
    if (dl > 0 || db > 0) gaps.push({ file, dl, db, w, n });
  }
  gaps.sort((a, b) => b.dl + b.db - (a.dl + a.db));
  if (gaps.length === 0) return console.log('coverage gap: none (workerd ≥ Node 20 in every file)');
  console.log('coverage gap (workerd vs node20, lines / branches):');
  for (const g of gaps.slice(0, 12)) {
    console.log(
      `    ${g.file.padEnd(34)} ${g.w.lines.pct} vs ${g.n.lines.pct} % / ${g.w.branches.pct} vs ${g.n.branches.pct} %`,
    );
  }
  if (gaps.length > 12) console.log(`    … ${gaps.length - 12} more`);
}

// ---- main -------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv.includes('--list')) {
  console.log(Object.keys(STEPS).join('\n'));
  process.exit(0);
}
const noBuild = argv.includes('--no-build');
const wanted = argv.filter((a) => !a.startsWith('--'));
for (const w of wanted) {
  if (!STEPS[w]) {
    console.error(`unknown step "${w}"; steps: ${Object.keys(STEPS).join(', ')}`);
    process.exit(2);
  }
}
const selected = Object.keys(STEPS).filter((name) => {
  if (name === 'build') return !noBuild;
  return wanted.length === 0 || wanted.includes(name);
});

let total = { ...ZERO };
let buildFailed = false;
const t0 = Date.now();
for (const name of selected) {
  const started = Date.now();
  let out;
  if (buildFailed && name !== 'typecheck') {
    out = {
      res: { code: 1, output: 'skipped: the build failed' },
      counts: null,
      skippedForBuild: true,
    };
  } else {
    try {
      out = await STEPS[name].run();
    } catch (err) {
      out = { res: { code: 1, output: String(err?.stack ?? err) }, counts: null };
    }
  }
  const { res } = out;
  let counts = STEPS[name].check ? asCheck(res) : (out.counts ?? { ...ZERO, failed: 1 });
  if (res.code !== 0 && counts.failed === 0) counts = { ...counts, failed: 1 };
  if (name === 'build' && res.code !== 0) buildFailed = true;
  total = add(total, counts);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const ok = counts.failed === 0;
  const what = STEPS[name].check
    ? ok
      ? 'ok'
      : 'failed'
    : `${counts.passed} passed${counts.failed ? `, ${counts.failed} failed` : ''}${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
  const note = res.timedOut
    ? ' — timed out'
    : out.skippedForBuild
      ? ' — not run: build failed'
      : (out.note ?? '');
  const parts = counts.parts
    ? ` [${Object.entries(counts.parts)
        .map(([suite, c]) => `${suite} ${c.passed}${c.failed ? `/${c.failed} failed` : ''}`)
        .join(', ')}]`
    : '';
  console.log(`${name.padEnd(13)} ${ok ? '✓' : '✗'} ${what}${parts} (${secs} s)${note}`);
  if (!ok && !out.skippedForBuild) {
    const tail = (res.output ?? '').trimEnd().split('\n').slice(-40);
    for (const line of tail) console.log(`    | ${line}`);
    console.log(`    | (full log: .cache/logs/${name}.log)`);
  }
}
printCoverage(selected);
console.log(`matrix: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exitCode = total.failed ? 1 : 0;
