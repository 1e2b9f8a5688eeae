/**
 * Bundles what the benchmarks run, with esbuild, from the SOURCES (not dist/): the same code the
 * size budget measures, and no interference with other people's `npm run build` of dist/.
 *
 * - `protekt.mjs`: `src/index.ts` for Node 20 (ESM, minified, `#crypto` → the web-standard shim,
 *   since Node 20 has `globalThis.crypto`). What every verifier benchmark imports.
 * - `serve.mjs`: `src/cli/serve.ts` (the emulator behind node:http), hono left external.
 * - `client-browser.mjs`: the client as the size budget builds it (conditions worker/browser,
 *   minified ESM): the file whose cold `import()` is timed.
 * - `empty.mjs`: an empty module, the cold-start baseline.
 *
 * Output goes to node_modules/.cache/protekt-bench (gitignored, and inside the repo so bare
 * imports such as `hono` resolve from the project's node_modules).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SIZE_OPTIONS } from './size.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT = fileURLToPath(
  new URL('../../node_modules/.cache/protekt-bench/', import.meta.url),
);

/** The size budget's esbuild options (bench/lib/size.mjs), writing files instead of measuring. */
const CLIENT_BUNDLE_OPTIONS = { ...SIZE_OPTIONS, write: true, metafile: false };

export async function buildBench() {
  mkdirSync(OUT, { recursive: true });
  const entry = (contents) => ({ contents, resolveDir: ROOT, loader: 'ts' });
  await Promise.all([
    esbuild.build({
      ...CLIENT_BUNDLE_OPTIONS,
      stdin: entry(`export * from './src/index.ts';`),
      outfile: `${OUT}protekt.mjs`,
      conditions: ['node'],
      platform: 'node',
    }),
    esbuild.build({
      ...CLIENT_BUNDLE_OPTIONS,
      stdin: entry(`export { Protekt } from './src/index.ts';`),
      outfile: `${OUT}client-browser.mjs`,
    }),
    esbuild.build({
      stdin: entry(
        `export { serveEmulator } from './src/cli/serve.ts'; export { createEmulator } from './src/testing/index.ts';`,
      ),
      bundle: true,
      format: 'esm',
      platform: 'node',
      alias: { '#crypto': `${ROOT}src/runtime/crypto.ts` },
      external: ['hono', 'hono/*', 'uqr'],
      outfile: `${OUT}serve.mjs`,
      logLevel: 'silent',
    }),
  ]);
  writeFileSync(`${OUT}empty.mjs`, 'export {};\n');
  return {
    protekt: `${OUT}protekt.mjs`,
    clientBrowser: `${OUT}client-browser.mjs`,
    serve: `${OUT}serve.mjs`,
    empty: `${OUT}empty.mjs`,
  };
}
