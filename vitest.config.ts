import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

// Node 20 run: unit tests against the sources, with `#crypto` resolved to the web-standard shim.
export default defineConfig({
  resolve: {
    alias: {
      '#crypto': src('runtime/crypto.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
