import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { noNodeInPackage } from '../_shared/no-node.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

process.env.WRANGLER_SEND_METRICS ??= 'false';

/**
 * Cloudflare Workers (workerd through vitest-pool-workers), configured by the top-level
 * wrangler.toml: the conformance suite runs inside a Worker, the package resolved with the
 * `workerd`/`worker` conditions (so `#crypto` is the web shim), no Node built-in or global
 * reachable from package code.
 */
export default defineConfig({
  root,
  plugins: [
    noNodeInPackage(),
    cloudflareTest({ wrangler: { configPath: `${root}wrangler.toml` } }),
  ],
  test: {
    name: 'workerd',
    root,
    include: ['test/conformance/**/*.test.ts'],
    setupFiles: ['runtimes/workerd/assert-runtime.ts', 'runtimes/_shared/remove-node-globals.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
