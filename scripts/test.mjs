#!/usr/bin/env node
// `npm test`: build → typecheck → publint/attw → every runtime of the matrix, one after another
// (the machine has 2 cores), one line per step, then a plain `N passed, N failed` line (tests
// counted over all steps; a step that fails without counting tests counts as one failure).
//
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs deno workerd    build, then just those steps (any step name below)
//   node scripts/test.mjs --no-build bun  reuse dist/ as it is
//   node scripts/test.mjs --list          the step names
//
// Each step's full output goes to .cache/logs/<step>.log; the tail of a failing step is printed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

function fromVitestJson(file) {
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  let failed = r.numFailedTests ?? 0;
  // A file that fails to load has no failed test but a failed suite.
  for (const f of r.testResults ?? [])
    if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed++;
  return {
    passed: r.numPassedTests ?? 0,
    failed,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
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

/** A check without test counts: one passed or one failed. */
const asCheck = ({ code }) =>
  code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };

// ---- steps ------------------------------------------------------------------------------------

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

let nodeBundle = null;
async function nodeTestStep(step, major) {
  const { provisionNode } = await import('../runtimes/node/provision.mjs');
  const { bundleConformance } = await import('../runtimes/node/bundle.mjs');
  const node = provisionNode(major);
  nodeBundle ??= await bundleConformance();
  const tests = await exec(step, node, ['--test', '--test-reporter=tap', ...nodeBundle]);
  let counts = fromTap(tests.output) ?? { ...ZERO, failed: 1 };
  if (tests.code !== 0 && counts.failed === 0) counts.failed = 1;
  let code = tests.code;
  for (const file of ['runtimes/node/load-check.mjs', 'runtimes/node/load-check.cjs']) {
    const r = await exec(step, node, [file], { append: true, timeoutMs: 60_000 });
    const c = fromPlain(r.output) ?? { ...ZERO, failed: 1 };
    counts = add(counts, c);
    if (r.code !== 0) code = r.code;
  }
  const output = readFileSync(join(logDir, `${step}.log`), 'utf8');
  return { res: { code, output }, counts };
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
      return vitestStep('node20', 'runtimes/node20/vitest.config.ts', [
        '--project',
        'unit',
        '--project',
        'conformance',
      ]);
    },
  },
  workerd: { run: () => vitestStep('workerd', 'runtimes/workerd/vitest.config.ts') },
  'edge-runtime': {
    run: () => vitestStep('edge-runtime', 'runtimes/edge-runtime/vitest.config.ts'),
  },
  deno: {
    run: async () => {
      const xml = join(resultDir, 'deno.xml');
      rmSync(xml, { force: true });
      mkdirSync(resultDir, { recursive: true });
      const res = await exec('deno', bin('deno'), [
        'test',
        '--config',
        'deno.json',
        '--no-check',
        '--allow-env',
        '--allow-read',
        '--allow-net=127.0.0.1',
        '--reporter=dot',
        `--junit-path=${xml}`,
      ]);
      return { res, counts: fromDenoJunit(xml) };
    },
  },
  bun: {
    run: async () => {
      const res = await exec('bun', bin('bun'), [
        'test',
        './test/conformance/',
        '--timeout',
        '20000',
      ]);
      return { res, counts: fromBun(res.output) };
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
      : '';
  console.log(`${name.padEnd(13)} ${ok ? '✓' : '✗'} ${what} (${secs} s)${note}`);
  if (!ok && !out.skippedForBuild) {
    const tail = (res.output ?? '').trimEnd().split('\n').slice(-40);
    for (const line of tail) console.log(`    | ${line}`);
    console.log(`    | (full log: .cache/logs/${name}.log)`);
  }
}
console.log(`matrix: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exitCode = total.failed ? 1 : 0;
