import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/** What `./testing` and the CLI carry inside them instead of importing. */
const BUNDLED = ['hono', /^hono\//, 'uqr'];

/**
 * The MIT notices of the bundled packages, put at the top of the files that carry them (the
 * licence asks for the notice in every copy). Read from node_modules, so it follows the versions.
 */
function bundledNotice(): string {
  const parts = ['hono', 'uqr'].map((name) => {
    const dir = `node_modules/${name}`;
    const { version } = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
      version: string;
    };
    return `${name}@${version}\n\n${readFileSync(`${dir}/LICENSE`, 'utf8').trim()}`;
  });
  return `/*!\n * Bundled third-party code:\n\n${parts.join('\n\n')}\n */`;
}

/** The adapters' frameworks, optional peers, left as imports in `dist/`. */
const FRAMEWORKS = ['hono', /^hono\//, 'express', 'fastify', 'next', /^next\//, /^@nestjs\//];

/** Options shared by the web-standard builds (every public entry and the `#crypto` shims). */
const web = {
  format: ['esm', 'cjs'],
  treeshake: true,
  splitting: false,
  sourcemap: false,
  target: 'es2022',
  platform: 'neutral',
  // tsup strips `node:` by default; keep it (Deno and Workers need the prefix, and the checks
  // look for it).
  removeNodeProtocol: false,
} satisfies Options;

/**
 * Build of the published package.
 *
 * - Public entries `.`, `./hono`, `./testing` as ESM (`.js`) and CJS (`.cjs`), each with its own
 *   declaration files (`.d.ts` / `.d.cts`) so both `import` and `require` users get correct types.
 * - The two WebCrypto shims that the package's `#crypto` import map chooses between at run time
 *   (`dist/runtime/crypto*.js|cjs`). `#crypto` stays external in every entry, so the choice is made
 *   by the runtime's own resolver (package.json `imports` conditions), never baked into a bundle.
 * - The package has no runtime dependencies. `hono` is an optional peer (`>=4.6 <5`) used by
 *   `./hono` only, and stays external there: the middleware must use the application's own hono
 *   (a second copy would make `app.use(protektAuth(…))` fail to type-check). `./index` never
 *   touches hono.
 * - `./testing` (the emulator) and the `protekt-emulator` CLI bundle `hono` and `uqr` (both
 *   devDependencies, exact versions) into their own files, so they work with no hono installed
 *   and never add a second hono to an application. Their declarations expose no hono type.
 * - `jose` is a dev-only reference: the package code must never import it (checked by
 *   test/packaging).
 * - `platform: 'neutral'`: no Node built-in is assumed; a stray `node:` import would be left as an
 *   import and make the workerd/edge runs fail.
 */
export default defineConfig([
  {
    ...web,
    entry: {
      index: 'src/index.ts',
      hono: 'src/hono/index.ts',
      express: 'src/express/index.ts',
      fastify: 'src/fastify/index.ts',
      next: 'src/next/index.ts',
      nestjs: 'src/nestjs/index.ts',
      verify: 'src/verify/index.ts',
      'runtime/crypto': 'src/runtime/crypto.ts',
    },
    // Every public declaration in one pass (they share the types chunk).
    dts: {
      entry: {
        index: 'src/index.ts',
        hono: 'src/hono/index.ts',
        express: 'src/express/index.ts',
        fastify: 'src/fastify/index.ts',
        next: 'src/next/index.ts',
        nestjs: 'src/nestjs/index.ts',
        verify: 'src/verify/index.ts',
        testing: 'src/testing/index.ts',
        server: 'src/cli/server.ts',
      },
    },
    clean: true,
    // The frameworks are the application's own (optional peers): never bundled.
    external: ['#crypto', 'node:crypto', ...FRAMEWORKS],
  },
  // The Node builds of `.` and `./verify` (package.json `exports`, condition `node`): the same
  // code, with `#crypto` written as the relative path of Node's shim. Node's resolver for a
  // package's `imports` costs milliseconds on first use, paid at every cold start of an app.
  {
    ...web,
    entry: { 'node/index': 'src/index.ts', 'node/verify': 'src/verify/index.ts' },
    clean: false,
    external: ['node:crypto', ...FRAMEWORKS],
    esbuildPlugins: [
      {
        name: 'node-crypto-shim',
        setup(build) {
          // tsup builds both formats as ESM first; the CJS one is told apart by its extension.
          const cjs = build.initialOptions.outExtension?.['.js'] === '.cjs';
          const file = cjs ? 'crypto-node.cjs' : 'crypto-node.js';
          build.onResolve({ filter: /^#crypto$/ }, () => ({
            path: `../runtime/${file}`,
            external: true,
          }));
        },
      },
    ],
  },
  // Node's #crypto shim, one source per format: each requires node:crypto on first use, and only
  // where WebCrypto is missing (Node 18); the ESM one through node:module's createRequire.
  {
    ...web,
    format: ['esm'],
    entry: { 'runtime/crypto-node': 'src/runtime/crypto-node.ts' },
    clean: false,
    external: ['node:crypto', 'node:module'],
  },
  {
    ...web,
    format: ['cjs'],
    entry: { 'runtime/crypto-node': 'src/runtime/crypto-node-cjs.ts' },
    // Node only: a plain `require`, not the neutral platform's shim around it.
    platform: 'node',
    clean: false,
    external: ['node:crypto'],
  },
  {
    ...web,
    entry: { testing: 'src/testing/index.ts' },
    clean: false,
    external: ['#crypto'],
    noExternal: BUNDLED,
    banner: { js: bundledNotice() },
  },
  // `./server`: `serveEmulator` on Node's http module (Node only), the emulator bundled in.
  {
    entry: { server: 'src/cli/server.ts' },
    format: ['esm', 'cjs'],
    platform: 'node',
    removeNodeProtocol: false,
    target: 'node18',
    // Declarations come from the first build (its clean step would remove them otherwise).
    clean: false,
    external: ['#crypto'],
    noExternal: BUNDLED,
    banner: { js: bundledNotice() },
  },
  {
    entry: { 'emulator-cli': 'src/cli/emulator-cli.ts' },
    format: ['esm'],
    platform: 'node',
    removeNodeProtocol: false,
    target: 'node18',
    clean: false,
    external: ['#crypto'],
    noExternal: BUNDLED,
    banner: { js: `#!/usr/bin/env node\n${bundledNotice()}` },
  },
]);
