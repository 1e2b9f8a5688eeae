import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The portable unit suites: tests of the SOURCES (src/) that run unchanged on every runtime of
 * the matrix, beside the conformance suite (which tests the built package). A test that needs
 * Node (a server, a child process, `process`, `node:*`) is named `*.node.test.ts` and runs on
 * Node 20 only. See docs/testing.md. The same folders are listed in runtimes/node/bundle.mjs
 * (Node 18/22/24, Deno and Bun through scripts/test.mjs) and deno.json.
 */
export const PORTABLE_SUITES = [
  'tokens',
  'hono',
  'client',
  'emulator',
  'util',
  'http',
  'guard',
  'account',
].map((dir) => `test/${dir}/**/*.test.ts`);

/** What no runtime but Node 20 runs. */
export const NODE_ONLY = ['**/*.node.test.ts', '**/node_modules/**'];

/**
 * Resolves `#crypto` for the sources and their tests (not for the built package, which the
 * conformance suite reaches through the package's own `imports` conditions) to `file`, the web
 * shim (src/runtime/crypto.ts) or, on Node 18, the `node:crypto` one.
 */
export function sourceCrypto(file = 'src/runtime/crypto.ts'): Plugin {
  const target = `${root}${file}`;
  return {
    name: 'protekt:source-crypto',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id !== '#crypto' || !importer) return null;
      const from = importer.split('?')[0]!.replaceAll('\\', '/');
      const inSources = from.startsWith(`${root}src/`) || from.startsWith(`${root}test/`);
      return inSources && !from.startsWith(`${root}test/conformance/`) ? target : null;
    },
  };
}

/**
 * Coverage of the SDK's sources on a runtime: `src/` outside the emulator (src/testing, its
 * contract tables in src/contract) and the Node-only CLI (src/cli). Written under .cache/coverage/
 * as a JSON summary that scripts/test.mjs prints and compares.
 */
export function sdkCoverage<P extends 'v8' | 'istanbul'>(runtime: string, provider: P) {
  return {
    enabled: false,
    provider,
    include: ['src/**/*.ts'],
    exclude: [
      'src/testing/**',
      'src/cli/**',
      'src/contract/**',
      'src/runtime/crypto-node.ts',
      'src/runtime/crypto-node-cjs.ts',
    ],
    reporter: ['json-summary', 'text-summary'] as ('json-summary' | 'text-summary')[],
    reportsDirectory: `${root}.cache/coverage/${runtime}`,
    clean: true,
  };
}
