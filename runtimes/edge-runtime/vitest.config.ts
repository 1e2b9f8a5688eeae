import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { noNodeInPackage } from '../_shared/no-node.ts';
import { NODE_ONLY, PORTABLE_SUITES, sourceCrypto } from '../_shared/portable.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The conditions Vercel's Edge runtime (Next.js middleware) resolves packages with. */
const EDGE_CONDITIONS = ['edge-light', 'worker', 'browser', 'import', 'module', 'default'];

/**
 * Vercel Edge runtime: the conformance suite inside @edge-runtime/vm's context (pool `vmThreads`,
 * so test and package code see the Edge globals, not Node's), the package resolved with the Edge
 * conditions (so `#crypto` is the web shim) and no Node built-in or global reachable from it.
 * The portable unit suites run there too, on the sources (`#crypto` the web shim), same guard.
 */
export default defineConfig({
  root,
  plugins: [sourceCrypto(), noNodeInPackage()],
  resolve: { conditions: EDGE_CONDITIONS },
  ssr: {
    resolve: { conditions: EDGE_CONDITIONS, externalConditions: EDGE_CONDITIONS },
    noExternal: ['@protekt/node'],
  },
  test: {
    name: 'edge-runtime',
    root,
    environment: 'edge-runtime',
    pool: 'vmThreads',
    include: ['test/conformance/**/*.test.ts', ...PORTABLE_SUITES],
    exclude: NODE_ONLY,
    setupFiles: [
      'runtimes/edge-runtime/assert-runtime.ts',
      'runtimes/_shared/remove-node-globals.ts',
    ],
    server: { deps: { inline: [/\/dist\//] } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
