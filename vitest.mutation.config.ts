import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (stryker.config.mjs, `npm run test:mutation`): the unit tests
 * aimed at src/tokens and src/http, against the SOURCES with `#crypto` aliased to the web-standard
 * shim, as the `unit` project of runtimes/node20/vitest.config.ts does, and the client suites that
 * assert what src/tokens and src/http show users (debug lines, the Account API's 401). Stryker
 * runs every test that covers a mutant once per mutant, so the suites that spend seconds on
 * purpose are left out: fast-check's thousands of tokens (property), the end-to-end emulator runs
 * (emulator), and the base64url tests of src/util (b64).
 */
export default defineConfig({
  resolve: {
    alias: { '#crypto': fileURLToPath(new URL('./src/runtime/crypto.ts', import.meta.url)) },
  },
  test: {
    name: 'mutation',
    root: fileURLToPath(new URL('./', import.meta.url)),
    include: [
      'test/tokens/**/*.test.ts',
      'test/http/**/*.test.ts',
      'test/client/transport.test.ts',
      'test/client/user-seams.test.ts',
      'test/account/operations.test.ts',
    ],
    exclude: [
      'test/tokens/property.test.ts',
      'test/tokens/emulator.test.ts',
      'test/tokens/b64.test.ts',
      '**/node_modules/**',
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
