// Node 18/22/24 cannot run vitest 4. Each test file is bundled by esbuild into an ES module for
// `node --test`, with `vitest` aliased to the node:test shim (test/conformance/_support/vitest-shim.ts)
// and the test's own helpers bundled in. Two sets:
// - the conformance suite (bundleConformance): every package stays external — above all
//   `@protekt/node`, so the bundle imports the BUILT package by name through its `exports`
//   (self-reference from inside the repo) exactly as a user's code does, and Node's own resolver
//   picks `#crypto`. Output: .cache/conformance-node/*.test.mjs
// - the portable unit suites (bundlePortable): tests of the SOURCES, so src/ is bundled in, with
//   `#crypto` the Node shim (src/runtime/crypto-node.ts: Node 18 has no global `crypto`) and no
//   other Node built-in allowed from src/; npm packages (jose, hono, fast-check, expect) stay
//   external. `*.node.test.ts` files are Node 20's alone. Output: .cache/portable-node/
import { builtinModules } from 'node:module';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const outDir = join(root, '.cache', 'conformance-node');
export const portableOutDir = join(root, '.cache', 'portable-node');

/** The folders of the portable unit suites (the same as runtimes/_shared/portable.ts). */
export const PORTABLE_DIRS = [
  'tokens',
  'hono',
  'client',
  'emulator',
  'util',
  'http',
  'guard',
  'account',
];

/** Test files under `dir`, without helpers (`_*`) and, unless `nodeOnly`, without `*.node.test.*`. */
export function findTests(dir, { nodeOnly = false } = {}) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('_')) continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p, { nodeOnly }));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name) && (nodeOnly || !/\.node\.test\./.test(name)))
      out.push(p);
  }
  return out.sort();
}

/** The portable suites' test files. */
export function portableTests() {
  return PORTABLE_DIRS.flatMap((d) => findTests(join(root, 'test', d)));
}

const shim = join(root, 'test', 'conformance', '_support', 'vitest-shim.ts');

/** Bundles the suite; returns the list of generated files. */
export async function bundleConformance({ filter } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  let entries = findTests(join(root, 'test', 'conformance'));
  if (filter) entries = entries.filter((f) => f.includes(filter));
  if (entries.length === 0) throw new Error('no conformance test file found');
  await build({
    entryPoints: entries,
    outdir: outDir,
    outbase: join(root, 'test', 'conformance'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node18',
    packages: 'external',
    alias: { vitest: shim },
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return entries.map((f) =>
    join(outDir, relative(join(root, 'test', 'conformance'), f)).replace(
      /\.(ts|mts|js|mjs)$/,
      '.mjs',
    ),
  );
}

const BUILTINS = new Set(builtinModules);

/**
 * The esbuild twin of runtimes/_shared/no-node.ts: a Node built-in imported by the package's
 * sources (but for the Node shim, src/runtime/crypto-node.ts, and the CLI) fails the bundle.
 */
const noNodeInSources = {
  name: 'protekt:no-node-in-sources',
  setup(b) {
    b.onResolve({ filter: /.*/ }, ({ path, importer }) => {
      const builtin = path.startsWith('node:') || BUILTINS.has(path.split('/')[0]);
      const rel = relative(root, importer).replaceAll('\\', '/');
      if (!builtin || !rel.startsWith('src/')) return null;
      if (rel === 'src/runtime/crypto-node.ts' || rel.startsWith('src/cli/')) return null;
      return {
        errors: [{ text: `Node built-in "${path}" imported by ${rel}: web standards only` }],
      };
    });
  },
};

/** Bundles the portable unit suites (tests of src/); returns the list of generated files. */
export async function bundlePortable({ filter } = {}) {
  rmSync(portableOutDir, { recursive: true, force: true });
  let entries = portableTests();
  if (filter) entries = entries.filter((f) => f.includes(filter));
  if (entries.length === 0) throw new Error('no portable test file found');
  await build({
    entryPoints: entries,
    outdir: portableOutDir,
    outbase: join(root, 'test'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node18',
    packages: 'external',
    alias: { vitest: shim, '#crypto': join(root, 'src', 'runtime', 'crypto-node.ts') },
    plugins: [noNodeInSources],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return entries.map((f) =>
    join(portableOutDir, relative(join(root, 'test'), f)).replace(/\.(ts|mts|js|mjs)$/, '.mjs'),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const portable = process.argv[2] === '--portable';
  const filter = process.argv[portable ? 3 : 2];
  const files = await (portable ? bundlePortable({ filter }) : bundleConformance({ filter }));
  console.log(files.join('\n'));
}
