import { defineConfig } from 'tsup';

// Public entries plus the two crypto shims that the package's `#crypto` import map chooses between.
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
    dts: true,
    clean: true,
    treeshake: true,
    splitting: false,
    target: 'es2022',
    platform: 'neutral',
    external: ['#crypto', 'hono', /^hono\//, 'node:crypto'],
  },
  {
    entry: { 'emulator-cli': 'src/cli/emulator-cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node18',
    external: ['#crypto', 'hono', /^hono\//],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
