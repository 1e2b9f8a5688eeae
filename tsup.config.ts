import { defineConfig } from 'tsup';

/**
 * Build of the published package.
 *
 * - Public entries `.`, `./hono`, `./testing` as ESM (`.js`) and CJS (`.cjs`), each with its own
 *   declaration files (`.d.ts` / `.d.cts`) so both `import` and `require` users get correct types.
 * - The two WebCrypto shims that the package's `#crypto` import map chooses between at run time
 *   (`dist/runtime/crypto*.js|cjs`). `#crypto` stays external in every entry, so the choice is made
 *   by the runtime's own resolver (package.json `imports` conditions), never baked into a bundle.
 * - `hono` (optional peer of `./hono`, dependency of `./testing`) and `uqr` are external (tsup
 *   externalises dependencies and peers anyway; listed for clarity). `jose` is a dev-only reference:
 *   the package code must never import it (checked by test/packaging).
 * - `platform: 'neutral'`: no Node built-in is assumed; a stray `node:` import would be left as an
 *   import and make the workerd/edge runs fail.
 */
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      hono: 'src/hono/index.ts',
      testing: 'src/testing/index.ts',
      'runtime/crypto': 'src/runtime/crypto.ts',
      'runtime/crypto-node': 'src/runtime/crypto-node.ts',
    },
    format: ['esm', 'cjs'],
    dts: {
      entry: { index: 'src/index.ts', hono: 'src/hono/index.ts', testing: 'src/testing/index.ts' },
    },
    clean: true,
    treeshake: true,
    splitting: false,
    sourcemap: false,
    target: 'es2022',
    platform: 'neutral',
    // tsup strips `node:` by default; keep it (Deno and Workers need the prefix, and the checks
    // look for it).
    removeNodeProtocol: false,
    external: ['#crypto', 'hono', /^hono\//, 'uqr', 'node:crypto'],
  },
  {
    entry: { 'emulator-cli': 'src/cli/emulator-cli.ts' },
    format: ['esm'],
    platform: 'node',
    removeNodeProtocol: false,
    target: 'node18',
    clean: false,
    external: ['#crypto', 'hono', /^hono\//, 'uqr'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
