// Node 18/22/24 cannot run vitest 4. Each conformance test file is bundled by esbuild into an
// ES module for `node --test`: `vitest` is aliased to the node:test shim
// (test/conformance/_support/vitest-shim.ts), the test's own helpers are bundled in, and every
// package stays external — above all `@protekt/node`, so the bundle imports the BUILT package by
// name through its `exports` (self-reference from inside the repo) exactly as a user's code does,
// and Node's own resolver picks `#crypto`. Output: .cache/conformance-node/*.test.mjs
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const outDir = join(root, '.cache', 'conformance-node');

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('_')) continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out.sort();
}

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
    alias: { vitest: join(root, 'test', 'conformance', '_support', 'vitest-shim.ts') },
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await bundleConformance({ filter: process.argv[2] });
  console.log(files.join('\n'));
}
