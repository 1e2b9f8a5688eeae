import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { noNodeInPackage } from '../_shared/no-node.ts';
import { NODE_ONLY, PORTABLE_SUITES, sdkCoverage, sourceCrypto } from '../_shared/portable.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

process.env.WRANGLER_SEND_METRICS ??= 'false';

/**
 * Cloudflare Workers (workerd through vitest-pool-workers), configured by the top-level
 * wrangler.toml: the conformance suite runs inside a Worker, the package resolved with the
 * `workerd`/`worker` conditions (so `#crypto` is the web shim), no Node built-in or global
 * reachable from package code. The portable unit suites run there too, on the sources (`#crypto`
 * the web shim), with the same guard on src/; `--coverage.enabled` measures them with istanbul,
 * the one provider the pool supports.
 */
export default defineConfig({
  root,
  plugins: [
    sourceCrypto(),
    noNodeInPackage(),
    cloudflareTest({ wrangler: { configPath: `${root}wrangler.toml` } }),
  ],
  test: {
    name: 'workerd',
    root,
    include: ['test/conformance/**/*.test.ts', ...PORTABLE_SUITES],
    exclude: NODE_ONLY,
    setupFiles: ['runtimes/workerd/assert-runtime.ts', 'runtimes/_shared/remove-node-globals.ts'],
    coverage: sdkCoverage('workerd', 'istanbul'),
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
