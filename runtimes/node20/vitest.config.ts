import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sdkCoverage } from '../_shared/portable.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));
// The previous majors of NestJS and Fastify, installed beside the root's current ones
// (devDependency `previous-majors`).
const previous = (p: string) =>
  fileURLToPath(new URL(`../../test/fixtures/previous-majors/node_modules/${p}`, import.meta.url));

/**
 * Node 20 (the machine's own Node), three projects:
 * - `unit`: every test under test/ except the conformance suite and the packaging checks, against
 *   the SOURCES (`#crypto` aliased to the web-standard shim): the portable suites (which also run
 *   on every other runtime, runtimes/_shared/portable.ts) and the Node-only tests
 *   (`*.node.test.ts`, test/hostile, test/examples, ...; docs/testing.md). `--coverage.enabled`
 *   measures the SDK's sources with v8 (scripts/test.mjs does, in the node20 step).
 * - `conformance`: test/conformance against the BUILT package, imported by name through its
 *   `exports` and `imports` (no alias: Node's own conditions pick `#crypto`).
 * - `nestjs10`, `fastify4`: the NestJS and Fastify adapters' suites again, under the previous
 *   major of their framework (test/fixtures/previous-majors); `unit` runs them under the current.
 * - `packaging`: test/packaging, static checks of dist/ and of what `npm pack` ships (the packed
 *   tarball smoke run, test/packaging/smoke.mjs, is a step of its own in scripts/test.mjs); and
 *   test/docs, every code block of the docs type-checked against dist/*.d.ts.
 * The repo-root vitest.config.ts re-exports this, so `npx vitest` runs the same.
 */
export default defineConfig({
  root,
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: sdkCoverage('node20', 'v8'),
    projects: [
      {
        resolve: { alias: { '#crypto': src('runtime/crypto.ts') } },
        test: {
          name: 'unit',
          root,
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/conformance/**',
            'test/packaging/**',
            'test/docs/**',
            '**/node_modules/**',
          ],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: {
          alias: {
            '#crypto': src('runtime/crypto.ts'),
            '@nestjs/common': previous('@nestjs/common'),
            '@nestjs/core': previous('@nestjs/core'),
          },
        },
        test: {
          name: 'nestjs10',
          root,
          include: ['test/adapters/nestjs.node.test.ts'],
          env: { NESTJS_MAJOR: '10' },
        },
      },
      {
        resolve: {
          alias: { '#crypto': src('runtime/crypto.ts'), fastify: previous('fastify') },
        },
        test: {
          name: 'fastify4',
          root,
          include: ['test/adapters/fastify.node.test.ts'],
          env: { FASTIFY_MAJOR: '4' },
        },
      },
      {
        test: {
          name: 'conformance',
          root,
          include: ['test/conformance/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'packaging',
          root,
          include: ['test/packaging/**/*.test.ts', 'test/docs/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
